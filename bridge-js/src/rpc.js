// Request/response over the transport: call ids, one settlement per call,
// timeouts, and a small outbox for messages sent before the native endpoint
// exists.
//
// Invariant: every `call` settles exactly once, either with the host's reply or
// with a local error (timeout, transport failure). A reply that arrives after
// the timeout, a second reply for the same id and a reply for an unknown id are
// dropped without effect.

/**
 * Code of a call that got no reply in time. Like every code below it is a row of
 * the host's table (ErrorCode::ALL in src/bridge/errors.rs, whose tests read this
 * file): 50002 is raised by bridge-js only, never by the host.
 */
const TIMEOUT_CODE = 50002;

/**
 * Local error codes: the call never got a usable answer from the host.
 * - TIMEOUT (50002, no reply in time): no reply within the call's timeout.
 * - TRANSPORT (50000, host error): the native endpoint threw, or it never
 *   appeared and the outbox overflowed.
 * - MALFORMED_REPLY (10007, malformed message): an ok:false reply without an
 *   error object, or with a non-numeric error_code.
 * - UNSERIALISABLE_PARAMS (10002, invalid params): the options could not be
 *   serialised, so nothing was sent.
 */
const ERROR_CODES = Object.freeze({
  TIMEOUT: TIMEOUT_CODE,
  TRANSPORT: 50000,
  MALFORMED_REPLY: 10007,
  UNSERIALISABLE_PARAMS: 10002,
});

const OUTBOX_LIMIT = 256;
const OUTBOX_RETRY_MS = 20;

export function createRpc({ transport, prim }) {
  let nextId = 1;
  const pending = new Map(); // id -> { settle, deadline, timeoutMs }, in call order
  let outbox = []; // [{ id, text }]
  let flushTimer = null;
  // One timer for every deadline, armed for the earliest: a call costs no timer of its own,
  // so a burst of calls does not fill the page's timer heap.
  let sweepTimer = null;
  let sweepAt = Infinity;

  const later = (fn) => (prim.setTimeout ? prim.setTimeout(fn, 0) : fn());

  function finish(id, outcome) {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (outbox.length > 0) outbox = outbox.filter((m) => m.id !== id);
    entry.settle(outcome);
  }

  function arm(deadline) {
    if (!prim.setTimeout || deadline >= sweepAt) return;
    if (sweepTimer !== null) prim.clearTimeout(sweepTimer);
    sweepAt = deadline;
    sweepTimer = prim.setTimeout(sweep, Math.max(0, deadline - prim.now()));
  }

  function sweep() {
    sweepTimer = null;
    sweepAt = Infinity;
    const t = prim.now();
    const expired = [];
    let next = Infinity;
    for (const [id, entry] of pending) {
      if (entry.deadline === null) continue;
      if (entry.deadline <= t) expired.push([id, entry.timeoutMs]);
      else if (entry.deadline < next) next = entry.deadline;
    }
    for (const [id, timeoutMs] of expired) {
      finish(id, {
        ok: false,
        error: {
          error_code: ERROR_CODES.TIMEOUT,
          error_msg: `timeout: no reply from host within ${timeoutMs} ms`,
        },
      });
    }
    // A coarse clock may wake the sweep just short of a deadline: it looks again 1 ms on.
    if (next !== Infinity) arm(Math.max(next, t + 1));
  }

  function flush() {
    flushTimer = null;
    while (outbox.length > 0) {
      const message = outbox[0];
      let sent;
      try {
        sent = transport.send(message.text);
      } catch (e) {
        outbox.shift();
        finish(message.id, transportError(e));
        continue;
      }
      if (!sent) break;
      outbox.shift();
    }
    if (outbox.length > 0 && flushTimer === null && prim.setTimeout) {
      flushTimer = prim.setTimeout(flush, OUTBOX_RETRY_MS);
    }
  }

  function post(id, text) {
    if (outbox.length > 0) {
      // Keep order behind what is already queued.
      enqueue(id, text);
      flush();
      return;
    }
    let sent;
    try {
      sent = transport.send(text);
    } catch (e) {
      later(() => finish(id, transportError(e)));
      return;
    }
    if (!sent) {
      enqueue(id, text);
      flush();
    }
  }

  function enqueue(id, text) {
    if (outbox.length >= OUTBOX_LIMIT) {
      const dropped = outbox.shift();
      finish(dropped.id, {
        ok: false,
        error: { error_code: ERROR_CODES.TRANSPORT, error_msg: 'host bridge unavailable: message queue full' },
      });
    }
    outbox.push({ id, text });
  }

  function encode(id, method, params) {
    try {
      return { text: prim.stringify({ id, method, params }) };
    } catch (e) {
      return { error: e };
    }
  }

  /**
   * Sends `method` and calls `settle({ok, result} | {ok:false, error})` exactly once.
   * Returns the call id.
   */
  function call(method, params, timeoutMs, settle) {
    const id = nextId++;
    const entry = { settle, deadline: null, timeoutMs };
    pending.set(id, entry);
    const encoded = encode(id, method, params);
    if (encoded.error) {
      later(() =>
        finish(id, {
          ok: false,
          error: {
            error_code: ERROR_CODES.UNSERIALISABLE_PARAMS,
            error_msg: `invalid params: ${String(encoded.error && encoded.error.message)}`,
          },
        }),
      );
      return id;
    }
    if (prim.setTimeout) {
      entry.deadline = prim.now() + timeoutMs;
      arm(entry.deadline);
    }
    post(id, encoded.text);
    return id;
  }

  /** Sends a one-way message (no reply expected, no timeout). Returns false if unsendable. */
  function notify(method, params) {
    const id = nextId++;
    const encoded = encode(id, method, params);
    if (encoded.error) return false;
    post(id, encoded.text);
    return true;
  }

  /** Handles a host reply `{id, ok, result}` / `{id, ok:false, error}`. */
  function receive(reply) {
    const id = reply.id;
    if (typeof id !== 'number' || !pending.has(id)) return;
    if (reply.ok === true) {
      const result = reply.result;
      finish(id, { ok: true, result: typeof result === 'object' && result !== null ? result : {} });
    } else {
      finish(id, { ok: false, error: normalizeError(reply.error) });
    }
  }

  return { call, notify, receive };
}

function transportError(e) {
  return {
    ok: false,
    error: {
      error_code: ERROR_CODES.TRANSPORT,
      error_msg: `host bridge unavailable: ${String(e && e.message ? e.message : e)}`,
    },
  };
}

function normalizeError(error) {
  if (typeof error !== 'object' || error === null) {
    return { error_code: ERROR_CODES.MALFORMED_REPLY, error_msg: 'malformed reply from host' };
  }
  const code = typeof error.error_code === 'number' ? error.error_code : Number(error.error_code);
  const out = {
    error_code: Number.isFinite(code) ? code : ERROR_CODES.MALFORMED_REPLY,
    error_msg: typeof error.error_msg === 'string' ? error.error_msg : 'unknown error',
  };
  if (typeof error.error_extra === 'object' && error.error_extra !== null) {
    out.error_extra = error.error_extra;
  }
  return out;
}
