// The few browser globals the page.evaluate callbacks use (the root tsconfig has no DOM
// library); the demo's browser-test build puts its @latch/client on window
// (examples/web/src/main.ts), the normal build does not.
declare global {
  var window: {
    latch: {
      fetch(path: string): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
    };
  };
  var document: {
    cookie: string;
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): Iterable<{ textContent: string | null }>;
  };
  var localStorage: Record<string, string>;
  var sessionStorage: Record<string, string>;
  var indexedDB: { databases(): Promise<unknown[]> };
}

export {};
