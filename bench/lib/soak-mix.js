// The soak test's traffic: a population of users, sessions and notes, and the mixed
// operations that act on it as clients would. Each session is used by one request at a time
// (a client does not refresh a token it is still waiting on), and a refresh always presents
// the token that the session's previous refresh returned.

const { performance } = require('node:perf_hooks');
const { expectStatus } = require('./http-client');
const { refreshOnce } = require('./refresh-chains');
const { PASSWORD } = require('./seed');

/** Share of each operation in the mix, in percent. */
const MIX = {
  refresh: 30,
  me: 24,
  noteCreate: 10,
  noteList: 8,
  noteDelete: 6,
  login: 6,
  register: 3,
  logout: 5,
  sessionDelete: 4,
};
/** Short-lived sessions (logins, registers) kept between these bounds: logouts and session
 * deletes end them, so the population neither dies out nor grows without end. */
const SHORT_LIVED = { min: 40, max: 250 };
const MAX_NOTES_PER_USER = 20;
/** An access token older than this is refreshed before use (AUTH_ACCESS_TTL is 900 s). */
const ACCESS_TOKEN_MAX_AGE_MS = 10 * 60_000;
/** Half the refreshes go to the long-lived chains, so each of them moves all run long. */
const LONG_LIVED_REFRESH_SHARE = 0.5;
const NOTE_BODY = 'soak '.repeat(40);

const EXPECTED = {
  refresh: 200,
  me: 200,
  noteCreate: 201,
  noteList: 200,
  noteDelete: 204,
  login: 200,
  register: 201,
  logout: 204,
  sessionDelete: 204,
};

const weighted = Object.entries(MIX);
const weightTotal = weighted.reduce((sum, [, weight]) => sum + weight, 0);
function drawOperation() {
  let ticket = Math.random() * weightTotal;
  for (const [name, weight] of weighted) {
    ticket -= weight;
    if (ticket < 0) return name;
  }
  return weighted[0][0];
}

const randomItem = (items) => items[Math.floor(Math.random() * items.length)];

/**
 * The population. `runId` keeps e-mail addresses unique. Sessions are
 * { id, user, refreshToken, accessToken, issuedAt, busy, longLived, ended, lost }.
 */
function createPopulation(runId) {
  const users = [];
  const longLived = [];
  const shortLived = new Set();
  let registered = 0;

  function addSession(user, tokens, longLivedSession) {
    const session = {
      id: tokens.sessionId,
      user,
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      issuedAt: performance.now(),
      busy: false,
      longLived: longLivedSession,
      ended: false,
      lost: null,
    };
    user.sessions.add(session);
    if (longLivedSession) longLived.push(session);
    else shortLived.add(session);
    return session;
  }

  function endSession(session) {
    session.ended = true;
    session.user.sessions.delete(session);
    shortLived.delete(session);
  }

  /** A free, live session: from `pool` if given, else from every session. */
  function pickSession(pool) {
    const candidates = pool ?? [...longLived, ...shortLived];
    for (let attempt = 0; attempt < 8 && candidates.length > 0; attempt++) {
      const session = randomItem(candidates);
      if (!session.busy && !session.ended && !session.lost) return session;
    }
    return candidates.find((session) => !session.busy && !session.ended && !session.lost);
  }

  return {
    users,
    longLived,
    shortLived,
    nextEmail: () => `soak-${runId}-${registered++}@example.test`,
    newUser(email, userId) {
      const user = { email, password: PASSWORD, id: userId, notes: [], sessions: new Set() };
      users.push(user);
      return user;
    },
    addSession,
    endSession,
    pickSession,
  };
}

/**
 * Runs one operation of the mix (drawn at random unless `name` is given) against `client`,
 * and reports it to `record(name, status, latencyMs, problem)`: `status` null for a network
 * error, `problem` set when the answer was not the expected one. Some draws turn into a
 * neighbouring operation when the population calls for it (no note to delete: create one).
 */
async function runOperation(population, client, record, name = drawOperation()) {
  const op = adjust(population, name);
  const sessions = op.sessions.filter(Boolean);
  if (sessions.length === 0 && op.needsSession) return 'skipped'; // every session is busy
  for (const session of sessions) session.busy = true;
  const sent = performance.now();
  let response;
  let problem;
  try {
    response = await op.run(client);
    const expected = EXPECTED[op.name];
    if (response.status !== expected) {
      problem = `${response.status ?? 'network'} ${response.body?.code ?? response.error?.message ?? ''}`;
    } else if (op.check) {
      problem = op.check(response);
    }
  } catch (error) {
    response = { status: null };
    problem = `network ${error.message}`;
  } finally {
    for (const session of sessions) session.busy = false;
  }
  record(op.name, response.status, performance.now() - sent, problem?.trim(), op.session);
  op.after?.(response, problem);
}

/** Picks the sessions an operation needs and returns what to send. */
function adjust(population, drawn) {
  const { shortLived } = population;
  let name = drawn;
  // Keep the short-lived sessions between their bounds.
  const adds = name === 'login' || name === 'register';
  const removes = name === 'logout' || name === 'sessionDelete';
  if (removes && shortLived.size <= SHORT_LIVED.min) name = 'login';
  if (adds && shortLived.size >= SHORT_LIVED.max) name = 'logout';

  if (name === 'register') return registerOperation(population);
  if (name === 'login') return loginOperation(population);
  if (name === 'logout' || name === 'sessionDelete') {
    const target = population.pickSession([...shortLived]);
    if (!target) return loginOperation(population);
    return name === 'logout'
      ? logoutOperation(population, target)
      : sessionDeleteOperation(population, target);
  }
  if (name === 'refresh') {
    const pool = Math.random() < LONG_LIVED_REFRESH_SHARE ? population.longLived : [...shortLived];
    return refreshOperation(population, population.pickSession(pool));
  }
  // The rest act with an access token.
  const session = population.pickSession();
  if (!session) return { name, sessions: [], needsSession: true };
  if (performance.now() - session.issuedAt > ACCESS_TOKEN_MAX_AGE_MS) {
    return refreshOperation(population, session);
  }
  const { user } = session;
  if (name === 'noteCreate' && user.notes.length >= MAX_NOTES_PER_USER) name = 'noteDelete';
  if (name === 'noteDelete' && user.notes.length === 0) name = 'noteCreate';
  return accessTokenOperation(name, session);
}

function registerOperation(population) {
  const email = population.nextEmail();
  return {
    name: 'register',
    sessions: [],
    run: (client) =>
      client.request('POST', '/auth/register', { body: { email, password: PASSWORD } }),
    check: (response) => (response.body?.refreshToken ? undefined : 'no refresh token'),
    after(response, problem) {
      if (problem) return;
      const user = population.newUser(email, response.body.user.id);
      population.addSession(user, response.body, false);
    },
  };
}

function loginOperation(population) {
  const user = randomItem(population.users);
  return {
    name: 'login',
    sessions: [],
    run: (client) =>
      client.request('POST', '/auth/login', {
        body: { email: user.email, password: user.password },
      }),
    check: (response) => (response.body?.refreshToken ? undefined : 'no refresh token'),
    after(response, problem) {
      if (!problem) population.addSession(user, response.body, false);
    },
  };
}

function logoutOperation(population, target) {
  population.endSession(target); // from now on nothing else picks it
  return {
    name: 'logout',
    sessions: [target],
    run: (client) =>
      client.request('POST', '/auth/logout', { body: { refreshToken: target.refreshToken } }),
  };
}

/** Ends `target` with the access token of another session of its user when there is one. */
function sessionDeleteOperation(population, target) {
  const siblings = [...target.user.sessions].filter(
    (session) => session !== target && !session.busy && !session.lost,
  );
  const caller = siblings.length > 0 ? randomItem(siblings) : target;
  population.endSession(target);
  return {
    name: 'sessionDelete',
    sessions: caller === target ? [target] : [target, caller],
    session: caller,
    run: (client) =>
      client.request('DELETE', `/auth/sessions/${target.id}`, {
        headers: { authorization: `Bearer ${caller.accessToken}` },
      }),
  };
}

function refreshOperation(population, session) {
  if (!session) return { name: 'refresh', sessions: [], needsSession: true };
  return {
    name: 'refresh',
    sessions: [session],
    session,
    run: async (client) => {
      const response = await refreshOnce(session, client);
      if (response.status === 200) session.issuedAt = performance.now();
      return response;
    },
    check: (response) =>
      response.body?.sessionId === session.id ? undefined : 'answer names another session',
    after(response, problem) {
      if (!problem) return;
      // The chain cannot go on: its token is spent or refused.
      session.lost = problem;
      if (!session.longLived) population.endSession(session);
    },
  };
}

function accessTokenOperation(name, session) {
  const headers = { authorization: `Bearer ${session.accessToken}` };
  const { user } = session;
  const base = { name, sessions: [session], session };
  if (name === 'me') {
    return {
      ...base,
      run: (client) => client.request('GET', '/auth/me', { headers }),
      check: (response) =>
        response.body?.sessionId === session.id ? undefined : 'answer names another session',
    };
  }
  if (name === 'noteList') {
    return {
      ...base,
      run: (client) => client.request('GET', '/notes', { headers }),
      check: (response) => (Array.isArray(response.body) ? undefined : 'not an array'),
    };
  }
  if (name === 'noteCreate') {
    return {
      ...base,
      run: (client) =>
        client.request('POST', '/notes', {
          headers,
          body: { title: `note ${user.notes.length}`, body: NOTE_BODY },
        }),
      after(response, problem) {
        if (!problem && response.body?.id) user.notes.push(response.body.id);
      },
    };
  }
  // noteDelete: the note leaves the list before the request, so no one deletes it twice.
  const noteId = user.notes.splice(Math.floor(Math.random() * user.notes.length), 1)[0];
  return {
    ...base,
    run: (client) => client.request('DELETE', `/notes/${noteId}`, { headers }),
  };
}

/**
 * The long-lived chains: `count` users registered at the start, one session each, never
 * logged out. They and their users also take part in the rest of the mix.
 */
async function seedLongLived(population, client, count) {
  for (let i = 0; i < count; i++) {
    const email = population.nextEmail();
    const body = expectStatus(
      await client.request('POST', '/auth/register', { body: { email, password: PASSWORD } }),
      201,
      `register ${email}`,
    );
    population.addSession(population.newUser(email, body.user.id), body, true);
  }
}

/**
 * The end check: every long-lived chain not already lost must refresh once more, and its new
 * access token must be accepted; `record` (see runOperation) hears of each answer. Returns
 * the chains that failed, with why.
 */
async function checkLongLived(population, client, record = () => undefined) {
  for (const session of population.longLived) {
    if (session.lost) continue;
    let sent = performance.now();
    const response = await refreshOnce(session, client);
    record('refresh', response.status, performance.now() - sent, undefined);
    if (response.status !== 200) {
      session.lost = `final refresh: ${response.status ?? 'network'} ${response.body?.code ?? ''}`;
      continue;
    }
    sent = performance.now();
    const me = await client.request('GET', '/auth/me', {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    record('me', me.status, performance.now() - sent, undefined);
    if (me.status !== 200) session.lost = `final /auth/me: ${me.status} ${me.body?.code ?? ''}`;
  }
  return population.longLived
    .filter((session) => session.lost)
    .map((session) => ({ sessionId: session.id, why: session.lost.trim() }));
}

module.exports = {
  MIX,
  SHORT_LIVED,
  createPopulation,
  runOperation,
  seedLongLived,
  checkLongLived,
};
