import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo imports the client from its source, so it always runs the current client.
export default defineConfig({
  resolve: {
    alias: {
      '@latch/client': fileURLToPath(new URL('../../client/src/index.ts', import.meta.url)),
    },
  },
  server: { host: 'localhost', port: 5173, strictPort: true },
  preview: { host: 'localhost', port: 5173, strictPort: true },
});
