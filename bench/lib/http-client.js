// A minimal JSON client over node:http for setup calls and the chained refresh load.
// Every request goes to 127.0.0.1 and has a timeout.

const http = require('node:http');

/**
 * One keep-alive connection pool to the given port. With `maxSockets: 1` it behaves like one
 * persistent connection (used to give each refresh chain its own connection).
 */
function createClient(port, { maxSockets = 8, timeoutMs = 10_000 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });

  function request(method, path, { body, headers = {} } = {}) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const allHeaders = { ...headers };
    if (payload) {
      allHeaders['content-type'] = 'application/json';
      allHeaders['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method, path, agent, headers: allHeaders },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, headers: res.headers, body: json, text });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  return { request, close: () => agent.destroy() };
}

/** Throws with the problem body when the status is not the expected one. */
function expectStatus(response, expected, what) {
  if (response.status !== expected) {
    const detail = response.body?.code ?? response.text.slice(0, 200);
    throw new Error(`${what}: expected ${expected}, got ${response.status} (${detail})`);
  }
  return response.body;
}

module.exports = { createClient, expectStatus };
