// Copies Eruda from the pinned npm devDependency into vendor/eruda/, which the
// Rust host embeds and serves for https://connect.tiktok-minis.com/libs/eruda.js.
//   node scripts/vendor-eruda.mjs   refresh vendor/eruda/{eruda.js,LICENSE,VERSION}
// checkVendoredEruda() is used by `npm run check-dist`.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'node_modules', 'eruda');
const vendorDir = join(root, 'vendor', 'eruda');

// The npm tarball ships no LICENSE file; its package.json declares MIT.
function licenseText(pkg) {
  const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].map((n) => join(pkgDir, n)).find(existsSync);
  if (file) return readFileSync(file, 'utf8');
  if (pkg.license !== 'MIT') throw new Error(`eruda ${pkg.version} is not MIT licensed (${pkg.license})`);
  return `Eruda ${pkg.version} (${pkg.homepage}), by ${pkg.author} and the liriliri contributors.
The npm package declares "license": "MIT" and ships no license file; this is the MIT license text.

The MIT License (MIT)

Copyright (c) ${pkg.author} (liriliri)

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;
}

function expected() {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return {
    'eruda.js': readFileSync(join(pkgDir, 'eruda.js'), 'utf8'),
    LICENSE: licenseText(pkg),
    VERSION: `${pkg.version}\n`,
  };
}

/** Returns a message if vendor/eruda differs from the installed package, else null. */
export function checkVendoredEruda() {
  if (!existsSync(pkgDir)) return 'node_modules/eruda missing: run `npm ci` in bridge-js';
  for (const [name, text] of Object.entries(expected())) {
    const file = join(vendorDir, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      return `vendor/eruda/${name} is stale: run \`npm run vendor-eruda\` in bridge-js and commit the result`;
    }
  }
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(vendorDir, { recursive: true });
  for (const [name, text] of Object.entries(expected())) writeFileSync(join(vendorDir, name), text);
  console.log(`vendored eruda ${readFileSync(join(vendorDir, 'VERSION'), 'utf8').trim()} into ${vendorDir}`);
}
