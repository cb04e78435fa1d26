// Static checks on examples/mini-drama, the sample app minihost runs by
// default: it must follow the platform's rules that the host enforces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'mini-drama');
const read = (name) => readFileSync(join(app, name), 'utf8');

test('index.html loads the drama SDK as its first script, then init.js, with no inline handlers', () => {
  const html = read('index.html');
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.equal(scripts[0], '<script src="https://connect.tiktok-minis.com/drama/sdk.js">');
  assert.match(scripts[1], /src="init\.js"/);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /<iframe/i);
  assert.match(read('init.js'), /TTMinis\.init\(\{ clientKey: 'sample-drama' \}\)/);
});

test('minis.config.json matches what the sample is run with', () => {
  const config = JSON.parse(read('minis.config.json'));
  assert.equal(config.dev.clientKey, 'sample-drama');
  assert.equal(config.navbar.style, 'default');
  assert.match(config.navbar.bgColorLight, /^#[0-9a-f]{6}$/i);
  assert.match(config.navbar.bgColorDark, /^#[0-9a-f]{6}$/i);
  assert.deepEqual(config.domain.trustedDomains, ['https://api.sample-drama.example']);
});

test('app code uses no forbidden APIs', () => {
  for (const name of ['app.js', 'init.js', 'backend-url.js', 'minihost-backend.js']) {
    const code = read(name);
    assert.doesNotMatch(code, /\beval\s*\(|new Function|set(Timeout|Interval)\(\s*['"`]|innerHTML|navigator\.(clipboard|geolocation|vibrate)|<iframe|https?:\/\/(?!connect\.tiktok-minis\.com)/, name);
  }
});

test('the episode clips are small MP4 files', () => {
  const clips = readdirSync(join(app, 'media')).filter((f) => f.endsWith('.mp4')).sort();
  assert.deepEqual(clips, ['ep1.mp4', 'ep2.mp4', 'ep3.mp4']);
  for (const clip of clips) {
    const file = join(app, 'media', clip);
    assert.ok(statSync(file).size < 400 * 1024, `${clip} under 400 KB`);
    assert.equal(readFileSync(file).subarray(4, 8).toString('latin1'), 'ftyp', `${clip} is an ISO-BMFF file`);
  }
});
