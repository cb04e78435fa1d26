// Bundle entry. `__minihostContext` is not a global: scripts/build.mjs wraps the
// bundle in a function whose parameter it is, and the host substitutes the
// context JSON for that function's argument.
/* global __minihostContext */
import { boot } from './bridge.js';

boot(globalThis, __minihostContext);
