// Bundles src/ into dist/minihost-bridge.js, the one file the Rust host embeds.
//   node scripts/build.mjs          write dist/
//   node scripts/build.mjs --check  rebuild to a temp file; fail if dist/ (or the
//                                   vendored Eruda) is stale
//
// The bundle is wrapped in `(function (__minihostContext) { ... })(TOKEN);`
// where TOKEN is the literal the host replaces with the context JSON. esbuild
// drops comments, so the token is added here, outside esbuild, and the build
// fails unless it occurs exactly once.

import { build } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkVendoredEruda } from './vendor-eruda.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distFile = join(root, 'dist', 'minihost-bridge.js');
export const CONTEXT_TOKEN = '/*__MINIHOST_CONTEXT__*/null';

export async function bundle() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const result = await build({
    entryPoints: [join(root, 'src', 'entry.js')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    charset: 'utf8',
    legalComments: 'none',
    // Parsed at document start of every page: smaller is a faster first paint.
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const body = result.outputFiles[0].text;
  const text =
    `/*! minihost bridge ${pkg.version}: the TTMinis SDK over the host bridge. ` +
    `Generated from bridge-js/src by \`npm run build\`; do not edit. */\n` +
    `(function (__minihostContext) {\n"use strict";\n${body}})(${CONTEXT_TOKEN});\n`;
  const occurrences = text.split(CONTEXT_TOKEN).length - 1;
  if (occurrences !== 1) {
    throw new Error(`context token must occur exactly once in the bundle, found ${occurrences}`);
  }
  return text;
}

async function main() {
  const text = await bundle();
  if (!process.argv.includes('--check')) {
    writeFileSync(distFile, text);
    console.log(`wrote ${distFile} (${text.length} bytes)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'minihost-bridge-'));
  try {
    const fresh = join(dir, 'minihost-bridge.js');
    writeFileSync(fresh, text);
    let current = null;
    try {
      current = readFileSync(distFile, 'utf8');
    } catch (_) {
      // Missing dist counts as stale.
    }
    if (current !== readFileSync(fresh, 'utf8')) {
      console.error('dist/minihost-bridge.js is stale: run `npm run build` in bridge-js and commit the result');
      process.exitCode = 1;
    } else {
      console.log('dist/minihost-bridge.js is up to date');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const vendorProblem = checkVendoredEruda();
  if (vendorProblem) {
    console.error(vendorProblem);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
