// Transports: how a string reaches the host. Chosen by `context.transport`.
//   ipc      window.ipc.postMessage(s)                          (wry, desktop)
//   android  window.MinihostAndroid.postMessage(s)              (addJavascriptInterface)
//   ios      window.webkit.messageHandlers.minihost.postMessage(s)  (WKScriptMessageHandler)
// A transport is `{ kind, send(string) -> boolean }`: false means the native
// endpoint is not there (yet); the caller queues and retries. A throw means the
// endpoint rejected the message.

const LOCATORS = {
  ipc: (win) => win.ipc,
  android: (win) => win.MinihostAndroid,
  ios: (win) => win.webkit && win.webkit.messageHandlers && win.webkit.messageHandlers.minihost,
};

export function createTransport(kind, win, { apply }) {
  const locate = LOCATORS[kind] || LOCATORS.ipc;
  let target = null;
  let post = null;

  // Captured once found, so a page that later replaces `window.ipc` does not
  // see or redirect bridge traffic.
  function resolve() {
    try {
      const found = locate(win);
      if (found && typeof found.postMessage === 'function') {
        target = found;
        post = found.postMessage;
      }
    } catch (_) {
      // A throwing getter is the same as no endpoint.
    }
  }

  resolve();
  return {
    kind,
    send(message) {
      if (!post) resolve();
      if (!post) return false;
      apply(post, target, [message]);
      return true;
    },
  };
}
