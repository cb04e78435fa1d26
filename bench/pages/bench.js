// The benchmark page. The same file runs in minihost (TTMinis over the bridge), in the
// bare wry baseline (window.ipc.postMessage -> evaluate_script("__bare_reply(ID)")) and in
// the Tauri peer (`invoke('ping')`).
// bench/run writes config.js (window.BENCH: mode, collector, sizes) next to it; results go
// to the driver's loopback collector as one JSON POST per run. Wall-clock timestamps use
// Date.now() (compared with the driver's spawn time); durations use performance.now(),
// which WebKit coarsens to 1 ms, so every duration covers many calls or many bytes.
(function () {
  'use strict';
  const B = window.BENCH;
  const now = () => performance.now();
  const mh = typeof window.TTMinis === 'object';
  const tauri = !mh && typeof window.__TAURI__ === 'object';
  const report = (value, name = B.mode) =>
    fetch(`${B.collector}/result/${name}`, { method: 'POST', body: JSON.stringify(value) });

  // call(): one no-op-class round trip. send(blob): one round trip carrying `blob`.
  let call;
  let send;
  if (mh) {
    call = () =>
      new Promise((resolve, reject) =>
        TTMinis.getLoginStatus((res) => (res.error ? reject(new Error(JSON.stringify(res.error))) : resolve(res))),
      );
    send = (blob) =>
      new Promise((resolve, reject) =>
        TTMinis.reportEvent({
          eventName: 'bench_blob',
          params: { blob },
          callback: (res) => (res.isSuccess ? resolve(res) : reject(new Error(JSON.stringify(res.error)))),
        }),
      );
  } else if (tauri) {
    const invoke = window.__TAURI__.core.invoke;
    call = () => invoke('ping');
    send = (blob) => invoke('ping', { blob });
  } else {
    const waiting = new Map();
    let next = 1;
    window.__bare_reply = (id) => {
      const done = waiting.get(id);
      if (done) {
        waiting.delete(id);
        done();
      }
    };
    const post = (text, id) =>
      new Promise((resolve) => {
        waiting.set(id, resolve);
        window.ipc.postMessage(text);
      });
    call = () => {
      const id = next++;
      return post(String(id), id);
    };
    send = (blob) => {
      const id = next++;
      return post(`${id}:${blob}`, id);
    };
  }

  // A deterministic pseudo-random generator, so both programs seek to the same offsets.
  function mulberry32(seed) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // A string of `n` JSON-safe ASCII characters that does not compress or repeat.
  function blobOf(n, seed) {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const rand = mulberry32(seed);
    const parts = [];
    for (let i = 0; i < n; i += 4096) {
      const len = Math.min(4096, n - i);
      let s = '';
      for (let j = 0; j < len; j++) s += alphabet[(rand() * 64) | 0];
      parts.push(s);
    }
    return parts.join('');
  }

  async function cold(t) {
    await call();
    t.reply = Date.now();
  }

  async function bridge(out) {
    for (let i = 0; i < B.warmup; i++) await call();
    await report({}, 'bridge-mark'); // the driver notes each process's CPU time here
    const batches = [];
    const start = now();
    for (let b = 0; b < B.batches; b++) {
      const s = now();
      for (let i = 0; i < B.batchSize; i++) await call();
      batches.push(now() - s);
    }
    out.totalMs = now() - start;
    out.calls = B.batches * B.batchSize;
    out.batchSize = B.batchSize;
    out.batchMs = batches;
    const bursts = [];
    for (let k = 0; k < B.bursts + 1; k++) {
      const s = now();
      await Promise.all(Array.from({ length: B.burstSize }, call));
      if (k > 0) bursts.push(now() - s); // the first burst is a warm-up
    }
    out.burstSize = B.burstSize;
    out.burstMs = bursts;
  }

  // Many calls in flight at once, against the same number awaited one by one.
  async function concurrent(out) {
    for (let i = 0; i < B.warmup; i++) await call();
    let s = now();
    for (let i = 0; i < B.sequentialCalls; i++) await call();
    out.sequentialMs = now() - s;
    out.sequentialCalls = B.sequentialCalls;
    s = now();
    await Promise.all(Array.from({ length: B.concurrentCalls }, call));
    out.concurrentMs = now() - s;
    out.concurrentCalls = B.concurrentCalls;
  }

  async function idle() {}

  async function range(start, len) {
    const r = await fetch('video.mp4', {
      cache: 'no-store',
      headers: { Range: `bytes=${start}-${start + len - 1}` },
    });
    const buf = await r.arrayBuffer();
    if (r.status !== 206 || buf.byteLength !== len) {
      throw new Error(`range ${start}+${len}: status ${r.status}, ${buf.byteLength} bytes`);
    }
  }

  async function stream(out) {
    const size = B.fileSize;
    const chunk = B.chunk;
    out.passMs = [];
    for (let p = 0; p < B.passes + 1; p++) {
      const s = now();
      for (let off = 0; off < size; off += chunk) await range(off, Math.min(chunk, size - off));
      if (p > 0) out.passMs.push(now() - s); // the first pass is a warm-up
    }
    const rand = mulberry32(B.seed);
    const pages = Math.floor((size - B.seekBytes) / 4096);
    out.seekMs = [];
    const s = now();
    for (let i = 0; i < B.seeks; i++) {
      const t0 = now();
      await range(Math.floor(rand() * pages) * 4096, B.seekBytes);
      out.seekMs.push(now() - t0);
    }
    out.seekTotalMs = now() - s;
    out.fileSize = size;
    out.seekBytes = B.seekBytes;
  }

  async function bulk(out) {
    const chunks = [];
    for (let c = 0; c < B.chunks; c++) chunks.push(blobOf(B.chunkBytes, 100 + c));
    const max = blobOf(B.maxBytes, 7);
    for (const c of chunks) await send(c); // warm-up
    await send(max);
    out.splitMs = [];
    for (let r = 0; r < B.reps; r++) {
      const s = now();
      for (const c of chunks) await send(c);
      out.splitMs.push(now() - s);
    }
    out.maxMs = [];
    for (let r = 0; r < B.reps; r++) {
      const s = now();
      await send(max);
      out.maxMs.push(now() - s);
    }
    out.splitBytes = B.chunks * B.chunkBytes;
    out.maxBytes = B.maxBytes;
  }

  const MODES = { cold, bridge, concurrent, stream, bulk, idle };

  document.addEventListener('DOMContentLoaded', async () => {
    const t = { program: mh ? 'minihost' : tauri ? 'tauri' : 'bare', timeOrigin: performance.timeOrigin, dcl: Date.now() };
    try {
      if (mh) TTMinis.init({ clientKey: B.clientKey });
      t.init = Date.now();
      await MODES[B.mode](t);
      document.getElementById('status').textContent = 'done';
    } catch (e) {
      t.error = String((e && e.stack) || e);
    }
    await report(t);
  });
})();
