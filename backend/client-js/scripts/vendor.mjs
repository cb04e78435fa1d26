// Copies the client into the sample drama, which may load scripts only from its own files.
// With --check, fails when the sample's copy differs (CI runs it through `npm test`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/minihost-backend.js', import.meta.url));
const vendored = fileURLToPath(new URL('../../../examples/mini-drama/minihost-backend.js', import.meta.url));
const text = readFileSync(src, 'utf8');
if (process.argv.includes('--check')) {
  let copy = '';
  try {
    copy = readFileSync(vendored, 'utf8');
  } catch (_) {
    // Missing counts as stale.
  }
  if (copy !== text) {
    console.error(`${vendored} is not the current client; run \`npm run vendor\` in backend/client-js`);
    process.exit(1);
  }
} else {
  writeFileSync(vendored, text);
  console.log(`wrote ${vendored}`);
}
