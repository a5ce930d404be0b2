import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

// The demo imports the client from its source, so it always runs the current client.
// Four pages: the app, and the three that mailed links open (`/verify-email` is served from
// verify-email.html by the dev server and `vite preview`; a static host needs clean URLs).
// `--mode browser-test` (test/browser only) also puts the client on window for the tests.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@latch\/client\/passkeys$/,
        replacement: fileURLToPath(new URL('../../client/src/passkeys.ts', import.meta.url)),
      },
      {
        find: /^@latch\/client$/,
        replacement: fileURLToPath(new URL('../../client/src/index.ts', import.meta.url)),
      },
    ],
  },
  build: {
    rolldownOptions: {
      input: {
        main: page('index.html'),
        'verify-email': page('verify-email.html'),
        'reset-password': page('reset-password.html'),
        'confirm-email': page('confirm-email.html'),
      },
    },
  },
  server: { host: 'localhost', port: 5173, strictPort: true },
  preview: { host: 'localhost', port: 5173, strictPort: true },
});
