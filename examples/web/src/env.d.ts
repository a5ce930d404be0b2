/// <reference types="vite/client" />

// Deployment settings from /config.js (public/config.js, or whatever the host serves there).
interface Window {
  LATCH_URL?: string;
}
