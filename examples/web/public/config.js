/* global window */
// Where the Latch service runs; replace this file when deploying (the tests serve their own).
window.LATCH_URL = window.LATCH_URL || 'http://localhost:3000';
