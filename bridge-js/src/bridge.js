// Boots the bridge in one page: transport, rpc, events, policy shims, and the
// two fixed entry points the host calls:
//   __minihost_reply(message)   host -> page replies and events; an array is a
//                               batch, handled in order (one script per turn)
//   __minihost_sdk_install()    served for the SDK URLs; creates window.TTMinis
// Both are non-writable, non-configurable and non-enumerable, so a page can
// neither overwrite them nor shadow them with a global `let`/`const`.

import { capturePrimordials } from './primordials.js';
import { normalizeContext } from './context.js';
import { createTransport } from './transport.js';
import { createRpc } from './rpc.js';
import { createReporter, createGuard } from './reporter.js';
import { createEvents } from './events.js';
import { installPolicy } from './policy.js';
import { installMediaRoute } from './media.js';
import { installSafeArea } from './safe-area.js';
import { createSdk } from './sdk.js';

const REPLY_ENTRY = '__minihost_reply';
const INSTALL_ENTRY = '__minihost_sdk_install';

export function boot(win, rawContext) {
  const prim = capturePrimordials(win);
  // Injected twice into the same global (e.g. a host that re-adds the script):
  // the first instance keeps running.
  if (prim.getOwnPropertyDescriptor(win, REPLY_ENTRY)) return;

  const context = normalizeContext(rawContext, win);
  const transport = createTransport(context.transport, win, prim);
  const rpc = createRpc({ transport, prim });
  const report = createReporter(rpc);
  const guard = createGuard(prim, report);
  const events = createEvents({ prim, guard });

  let sdk = null;

  function reply(message) {
    let msg = message;
    try {
      if (typeof msg === 'string') msg = prim.parse(msg);
    } catch (e) {
      prim.consoleError('[TTMinis] unparseable message from host:', e);
      return;
    }
    if (prim.isArray(msg)) {
      // One throwing handler must not cost the rest of the batch their replies.
      for (let i = 0; i < msg.length; i++) {
        try {
          one(msg[i]);
        } catch (e) {
          prim.consoleError('[TTMinis] error while handling a host message:', e);
        }
      }
    } else {
      one(msg);
    }
  }

  function one(msg) {
    if (typeof msg !== 'object' || msg === null) return;
    if (typeof msg.event === 'string') {
      events.emit(msg.event, msg.data, msg.error);
    } else {
      rpc.receive(msg);
    }
  }

  function install() {
    if (!sdk) sdk = createSdk({ context, rpc, events, guard });
    if (win.TTMinis === sdk) return;
    try {
      prim.defineProperty(win, 'TTMinis', { value: sdk, writable: true, configurable: true, enumerable: true });
    } catch (_) {
      win.TTMinis = sdk;
    }
  }

  const fixed = (value) => ({ value, writable: false, configurable: false, enumerable: false });
  prim.defineProperty(win, REPLY_ENTRY, fixed(reply));
  prim.defineProperty(win, INSTALL_ENTRY, fixed(install));

  installPolicy(win, { prim, report });
  installMediaRoute(win, context, prim);
  installSafeArea(win, context);
}
