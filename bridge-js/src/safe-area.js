// Safe-area insets for the emulated device. WebKitGTK reports env(safe-area-inset-*) as 0,
// so the host defines --minihost-safe-area-inset-* on :root and rewrites env() to var() in
// the CSS it serves; apps may also read the variables directly.

const SIDES = ['top', 'right', 'bottom', 'left'];

export function installSafeArea(win, context) {
  const inset = context.safeArea;
  const doc = win.document;
  if (!inset || !doc) return;
  const css = `:root{${SIDES.map((s) => `--minihost-safe-area-inset-${s}:${Number(inset[s]) || 0}px`).join(';')}}`;
  if (win.CSSStyleSheet && 'adoptedStyleSheets' in doc) {
    try {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(css);
      doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      return;
    } catch (_) {
      // fall through to a <style> element
    }
  }
  const add = () => {
    const style = doc.createElement('style');
    style.textContent = css;
    (doc.head || doc.documentElement).appendChild(style);
  };
  if (doc.documentElement) add();
  else doc.addEventListener('DOMContentLoaded', add, { once: true });
}
