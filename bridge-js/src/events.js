// Host events (`{event, data, error?}`) fanned out to `TTMinis.on` listeners.
// `minis.launch` is sticky: it usually arrives before the page has registered,
// so the last launch payload is delivered once to each listener registered
// after it.

const STICKY_EVENTS = new Set(['minis.launch']);

export function createEvents({ prim, guard }) {
  let nextId = 1;
  const listeners = new Map(); // eventName -> Map(callbackId -> fn)
  const sticky = new Map(); // eventName -> payload

  const later = (fn) => (prim.setTimeout ? prim.setTimeout(fn, 0) : fn());

  function on(eventName, callback) {
    if (typeof eventName !== 'string' || eventName === '') {
      throw new TypeError('TTMinis.on: eventName must be a non-empty string');
    }
    if (typeof callback !== 'function') {
      throw new TypeError('TTMinis.on: callback must be a function');
    }
    const id = `cb_${nextId++}`;
    let group = listeners.get(eventName);
    if (!group) {
      group = new Map();
      listeners.set(eventName, group);
    }
    group.set(id, callback);
    if (sticky.has(eventName)) {
      const payload = sticky.get(eventName);
      later(() => {
        if (group.get(id) === callback) {
          guard(`TTMinis.on('${eventName}') callback`, callback, payload);
        }
      });
    }
    return id;
  }

  function off(eventName, callbackId) {
    const group = listeners.get(eventName);
    return group ? group.delete(callbackId) : false;
  }

  function emit(eventName, data, error) {
    const payload = { data: data === undefined ? null : data, error: error === undefined ? null : error };
    if (STICKY_EVENTS.has(eventName)) sticky.set(eventName, payload);
    const group = listeners.get(eventName);
    if (!group) return;
    // Snapshot: a listener added during dispatch waits for the next event; one
    // removed during dispatch is skipped.
    for (const [id, fn] of Array.from(group)) {
      if (group.get(id) === fn) guard(`TTMinis.on('${eventName}') callback`, fn, payload);
    }
  }

  return { on, off, emit };
}
