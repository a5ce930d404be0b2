import type { components } from './openapi.js';

type Schemas = components['schemas'];
export type TokenResponse = Schemas['TokenResponse'];
export type RegisterBody = Schemas['RegisterDto'];
export type RegisterResponse = Schemas['RegisterResponse'];
export type LoginBody = Schemas['LoginDto'];
export type Me = Schemas['MeResponse'];
export type Session = Schemas['SessionResponse'];
export type ChangePasswordBody = Schemas['ChangePasswordDto'];
export type User = Schemas['UserView'];
export type MfaStatus = Schemas['MfaStatusResponse'];
export type TotpEnrolment = Schemas['TotpEnrolmentResponse'];
export type RecoveryCodes = Schemas['RecoveryCodesResponse'];
export type IdentityProvider = Schemas['IdentityProviderResponse'];
export type Identity = Schemas['IdentityResponse'];
type Proof = Required<Schemas['MfaProofDto']>;
/** A second factor: a TOTP code of 6 digits, or one recovery code; exactly one of them. */
export type MfaProof = Pick<Proof, 'code'> | Pick<Proof, 'recoveryCode'>;

/** `mfa-required`: the password was right, `verifyMfa()` with a second factor finishes login. */
export type LatchState = 'loading' | 'signed-in' | 'signed-out' | 'mfa-required';
/**
 * Why a client is signed out: a server code, `logout` (here or in another tab), `no_session`,
 * or `mfa_token_invalid` (the second step ended: used, expired, or too many wrong codes).
 */
export type SignOutReason =
  | 'logout'
  | 'no_session'
  | 'invalid_grant'
  | 'refresh_token_reused'
  | 'session_revoked'
  | 'mfa_token_invalid';
export type LatchEvent =
  | { type: 'signed-in'; at: number }
  | { type: 'mfa-required'; at: number }
  | { type: 'refreshed'; at: number; byOtherTab: boolean }
  | { type: 'signed-out'; at: number; reason: SignOutReason };

/** Where the body transport keeps the refresh token (Node, native apps). */
export interface RefreshTokenStorage {
  get(): string | null | undefined | Promise<string | null | undefined>;
  set(token: string | null): void | Promise<void>;
}

export interface LatchClientOptions {
  /** The service, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** `cookie` (default in browsers): refresh token in the HttpOnly cookie; `body`: in `storage`. */
  transport?: 'cookie' | 'body';
  /** Body transport only; defaults to memory. */
  storage?: RefreshTokenStorage;
  fetch?: typeof fetch;
  /**
   * Origins besides the `baseUrl`'s (e.g. `https://api.example.com`) whose requests through
   * `fetch()` get the access token and whose 401 codes count; any other origin gets neither.
   */
  allowedOrigins?: string[];
  /** BroadcastChannel name shared by the tabs of an origin; `false` turns cross-tab off. */
  channel?: string | false;
}

/** A refused call: `status` 0 and code `network_error` when no answer came. */
export class LatchError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message = code,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'LatchError';
  }
}

const FATAL = ['invalid_grant', 'refresh_token_reused', 'session_revoked'];
const MAX_ATTEMPTS = 4;
const ASK_WAIT = 150;
const BUSY_WAIT = 2000;
const COOLDOWN = 15000;
const XRW = { 'x-requested-with': 'XMLHttpRequest' };

type Message =
  | ({ t: 'token'; at: number } & Grant)
  | { t: 'ask' }
  | { t: 'busy' }
  | { t: 'out'; reason: SignOutReason; sessionId: string };
const REASONS = ['logout', 'no_session', 'mfa_token_invalid', ...FATAL];

/** What `login()` resolves to: signed in, or a second factor is needed (`verifyMfa()`). */
export type LoginResult = (TokenResponse & { mfaRequired: false }) | { mfaRequired: true };

/**
 * What `handleRedirect()` found in the fragment: a sign-in (as `login()` answers it), an
 * identity linked, or nothing (undefined). A `#error=` rejects with that code.
 */
export type RedirectResult = LoginResult | { linked: string } | undefined;

type Grant = Pick<TokenResponse, 'accessToken' | 'expiresIn' | 'sessionId'>;

const now = () => Date.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type LatchClient = ReturnType<typeof createLatchClient>;

export function createLatchClient(options: LatchClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const trusted = new Set(
    [base, ...(options.allowedOrigins ?? [])].map((origin) => new URL(origin).origin),
  );
  const browser = typeof document !== 'undefined';
  const cookie = (options.transport ?? (browser ? 'cookie' : 'body')) === 'cookie';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let memory: string | null | undefined;
  const storage: RefreshTokenStorage = options.storage ?? {
    get: () => memory,
    set: (token) => void (memory = token),
  };
  const channelName = options.channel ?? (cookie ? 'latch' : false);
  const channel =
    channelName && typeof BroadcastChannel !== 'undefined'
      ? new BroadcastChannel(channelName)
      : undefined;

  let state: LatchState = 'loading';
  let token: string | undefined;
  let mfaToken: string | undefined; // the pending second step; only ever in this closure
  let sessionId: string | undefined;
  let expiresAt = 0; // local ms, from expiresIn and the local arrival time
  let refreshAt = 0;
  let at0 = 0; // when the current token arrived
  let usableUntil = 0;
  let cooldownUntil = 0;
  let busyUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;
  let tokenWaiters: (() => void)[] = [];
  const listeners = new Set<(event: LatchEvent) => void>();

  const emit = (event: LatchEvent) => listeners.forEach((listener) => listener(event));
  const post = (message: Message) => channel?.postMessage(message);
  const usable = () => !!token && now() < usableUntil;
  const grant = (): Message => ({
    t: 'token',
    accessToken: token!,
    expiresIn: (expiresAt - at0) / 1000,
    at: at0,
    sessionId: sessionId!,
  });

  function request(path: string, method: string, body?: unknown, auth?: string) {
    return doFetch(base + path, {
      method,
      credentials: cookie ? 'include' : 'same-origin',
      headers: {
        ...XRW,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  }

  async function failure(response: Response): Promise<LatchError> {
    const body = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    return new LatchError(
      response.status,
      body.code ?? `http_${response.status}`,
      body.detail ?? response.statusText,
      body,
    );
  }

  function schedule() {
    clearTimeout(timer);
    const lifetime = expiresAt - at0;
    const ahead = Math.min(60000, lifetime / 3);
    usableUntil = expiresAt - Math.min(5000, lifetime / 10);
    // jittered (later, by up to half of `ahead`) so that tabs do not all fire at once
    refreshAt = Math.floor(expiresAt - ahead + Math.random() * ahead * 0.5);
    timer = setTimeout(tick, Math.max(0, refreshAt - now()));
  }
  function tick() {
    if (state !== 'signed-in') return;
    // another tab announced a refresh: give it a moment, but never longer than BUSY_WAIT
    if (now() < busyUntil && now() < usableUntil - 500) {
      timer = setTimeout(tick, 250);
      return;
    }
    if (now() < cooldownUntil) {
      timer = setTimeout(tick, cooldownUntil - now());
      return;
    }
    refresh().catch(() => {});
  }

  function accept(data: Grant, at: number, byOtherTab: boolean) {
    mfaToken = undefined;
    token = data.accessToken;
    sessionId = data.sessionId;
    at0 = at;
    expiresAt = at + data.expiresIn * 1000;
    cooldownUntil = 0;
    schedule();
    const first = state !== 'signed-in';
    state = 'signed-in';
    tokenWaiters.forEach((wake) => wake());
    tokenWaiters = [];
    if (!byOtherTab) post(grant());
    emit(first ? { type: 'signed-in', at } : { type: 'refreshed', at, byOtherTab });
  }

  async function signOut(reason: SignOutReason, broadcast: boolean) {
    clearTimeout(timer);
    token = mfaToken = undefined;
    expiresAt = refreshAt = usableUntil = 0;
    if (!cookie) await storage.set(null);
    if (broadcast && sessionId) post({ t: 'out', reason, sessionId });
    if (state === 'signed-out') return;
    state = 'signed-out';
    emit({ type: 'signed-out', at: now(), reason });
  }

  async function refreshOnce(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // a tab about to refresh first checks whether another tab already did
      if (token && now() < refreshAt) return;
      let response: Response | undefined;
      let error: LatchError;
      const stored = cookie ? undefined : await storage.get();
      if (!cookie && !stored) {
        await signOut('no_session', false);
        throw new LatchError(401, 'no_session');
      }
      post({ t: 'busy' });
      try {
        response = await request('/auth/refresh', 'POST', cookie ? {} : { refreshToken: stored });
      } catch {
        // offline, DNS, CORS: retried below
      }
      if (response?.ok) {
        const data = (await response.json()) as TokenResponse;
        if (!cookie && data.refreshToken) await storage.set(data.refreshToken);
        accept(data, now(), false);
        return;
      }
      if (response) {
        error = await failure(response);
        const status = response.status;
        if (status === 401) {
          const reason = FATAL.includes(error.code)
            ? (error.code as SignOutReason)
            : 'invalid_grant';
          // a tab that never signed in (no cookie at start) has nobody to sign out
          await signOut(state === 'signed-in' ? reason : 'no_session', state === 'signed-in');
          throw error;
        }
        if (status < 500 && status !== 429 && status !== 408) throw error;
      } else {
        error = new LatchError(0, 'network_error');
      }
      if (attempt >= MAX_ATTEMPTS) {
        cooldownUntil = now() + COOLDOWN * (0.75 + Math.random() / 2);
        if (state === 'signed-in') {
          clearTimeout(timer);
          timer = setTimeout(tick, cooldownUntil - now());
        }
        throw error;
      }
      const retryAfter = Number(response?.headers.get('retry-after')) * 1000 || 0;
      const backoff = Math.min(8000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await sleep(Math.min(Math.max(backoff, retryAfter), 30000));
    }
  }

  /** Single flight: every caller that needs a refresh now shares one request. */
  function refresh(): Promise<void> {
    return (inflight ??= refreshOnce().finally(() => (inflight = undefined)));
  }

  function waitForToken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      tokenWaiters.push(resolve);
      setTimeout(resolve, ms);
    });
  }

  async function restore(): Promise<LatchState> {
    if (channel) {
      // a tab that is refreshing answers `busy`: wait for that refresh to rotate the cookie
      post({ t: 'ask' });
      await sleep(ASK_WAIT);
      if (now() < busyUntil) await waitForToken(BUSY_WAIT);
    }
    if (!usable()) {
      try {
        await refresh();
      } catch {
        // signed out, or stays loading and retries after the cooldown
      }
    }
    return state;
  }

  // Any script of this origin can post here. A token is taken only for the session this tab
  // holds (from its own sign-in or refresh) and newer than its own; any other token is only a
  // hint that another tab signed in, which this tab checks with a refresh of its own (at most
  // one per COOLDOWN). A sign-out counts only for this tab's session; the token is never
  // handed to whoever asks.
  let hinted = 0;
  if (channel) {
    channel.onmessage = ({ data }: MessageEvent<unknown>) => {
      const m = (data ?? {}) as Partial<Record<string, unknown>>;
      const ours = state === 'signed-in' && m.sessionId === sessionId;
      if (m.t === 'token') {
        const { accessToken, expiresIn, at } = m;
        const fine = (n: unknown, max: number): n is number => typeof n == 'number' && n < max;
        if (ours && typeof accessToken == 'string' && fine(expiresIn, 1e6) && expiresIn > 0) {
          // newer than ours, and from no further ahead than a clock in another tab could be
          if (fine(at, now() + 6e4) && at + expiresIn * 1000 > expiresAt) {
            accept({ accessToken, expiresIn, sessionId: sessionId! }, at, true);
          }
        } else if (!ours && now() >= hinted) {
          hinted = now() + COOLDOWN;
          refreshAt = 0;
          refresh().catch(() => {});
        }
      } else if (m.t === 'ask') {
        if (inflight) post({ t: 'busy' });
      } else if (m.t === 'busy') {
        busyUntil = now() + BUSY_WAIT;
      } else if (m.t === 'out' && ours && REASONS.includes(m.reason as string)) {
        void signOut(m.reason as SignOutReason, false);
      }
    };
  }

  const wake = () => {
    if (state === 'signed-in' && now() >= refreshAt) refresh().catch(() => {});
  };
  if (browser) {
    document.addEventListener('visibilitychange', () => !document.hidden && wake());
    addEventListener('online', () => {
      cooldownUntil = 0;
      wake();
    });
  }

  // after the caller had a chance to subscribe with onChange
  const ready = Promise.resolve().then(restore);

  /** The access token, refreshed first when it is due; undefined when signed out. */
  async function getAccessToken(): Promise<string | undefined> {
    if (state === 'loading') await ready;
    if (state !== 'signed-in') return undefined;
    if (now() >= refreshAt) {
      if (!usable()) await refresh();
      else if (now() >= cooldownUntil) refresh().catch(() => {});
    }
    return token;
  }

  /** fetch with the access token; a 401 token_expired gets one refresh and one retry. */
  async function authFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input, base + '/');
    // only the service and the allowed origins get the token, and only their 401s count
    const own = trusted.has(url.origin);
    if (!own) return doFetch(url, init);
    const send = async () => {
      const sent = await getAccessToken();
      const headers = new Headers(init.headers);
      if (sent) headers.set('authorization', `Bearer ${sent}`);
      headers.set('x-requested-with', XRW['x-requested-with']);
      return [await doFetch(url, { ...init, headers }), sent] as const;
    };
    let [response, sent] = await send();
    for (let retried = false; response.status === 401; retried = true) {
      const { code } = await failure(response.clone());
      if (FATAL.includes(code)) await signOut(code as SignOutReason, true);
      if (code !== 'token_expired' || retried) break;
      if (sent === token) refreshAt = usableUntil = 0;
      [response, sent] = await send();
    }
    return response;
  }

  async function call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const response = await authFetch(base + path, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw await failure(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** A public POST; with `mfa`, the pending second step's mfaToken goes in the body. */
  async function postPublic<T>(path: string, body: object, mfa?: boolean): Promise<T> {
    if (mfa && !mfaToken) throw new LatchError(400, 'mfa_not_pending');
    const response = await request(path, 'POST', mfa ? { ...body, mfaToken } : body);
    if (!response.ok) {
      const error = await failure(response);
      if (mfa && error.code === 'invalid_grant') await signOut('mfa_token_invalid', false);
      throw error;
    }
    return (await response.json()) as T;
  }

  async function signIn<T extends TokenResponse>(path: string, body: object, mfa?: boolean) {
    const data = await postPublic<T>(path, body, mfa);
    // a sign-up under AUTH_REQUIRE_VERIFIED_EMAIL answers {user} alone: nobody signs in yet
    if (data.accessToken) {
      if (!cookie && data.refreshToken) await storage.set(data.refreshToken);
      accept(data, now(), false);
      delete data.refreshToken;
    }
    return data;
  }

  /** A first step (a password, an identity provider's code): signed in, or a second step. */
  async function firstStep(path: string, body: object): Promise<LoginResult> {
    try {
      return Object.assign(await signIn<TokenResponse>(path, body), {
        mfaRequired: false as const,
      });
    } catch (error) {
      const pending = (error as LatchError).code === 'mfa_required';
      if (!pending) throw error;
      // the one token an error body carries: kept here, never in storage nor in the error
      mfaToken = ((error as LatchError).body as { mfaToken: string }).mfaToken;
      clearTimeout(timer);
      token = undefined;
      state = 'mfa-required';
      emit({ type: 'mfa-required', at: now() });
      return { mfaRequired: true };
    }
  }

  const login = (body: LoginBody) => firstStep('/auth/login', body);
  const oidc = (provider: string) => `${base}/auth/oidc/${encodeURIComponent(provider)}`;
  /** Sends the browser to a URL of the service (in Node: just answers it). */
  const go = (url: string, returnTo = '/') => {
    url += `${url.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(returnTo)}`;
    if (browser) location.assign(url);
    return url;
  };

  /**
   * The second step of a login that answered `mfaRequired`: a TOTP code (`'123456'` or
   * `{ code }`) or `{ recoveryCode }`. A wrong code rejects with `invalid_mfa_code` and may be
   * retried; an ended second step rejects with `invalid_grant` and signs out
   * (`mfa_token_invalid`).
   */
  function verifyMfa(proof: string | MfaProof): Promise<TokenResponse> {
    return signIn('/auth/login/mfa', typeof proof === 'string' ? { code: proof } : proof, true);
  }

  return {
    get state() {
      return state;
    },
    get sessionId() {
      return sessionId;
    },
    /** Resolves once the client knows whether it is signed in (cookie or stored token). */
    ready,
    onChange(listener: (event: LatchEvent) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getAccessToken,
    fetch: authFetch,
    register: (body: RegisterBody) => signIn<RegisterResponse>('/auth/register', body),
    login,
    verifyMfa,
    /** Abandons a pending second step: signed out (`logout`), this tab only. */
    cancelMfa: () => (mfaToken ? signOut('logout', false) : Promise.resolve()),
    async logout() {
      try {
        const stored = cookie ? undefined : await storage.get();
        await request('/auth/logout', 'POST', stored ? { refreshToken: stored } : {}, token);
      } finally {
        await signOut('logout', true);
      }
    },
    async logoutAll() {
      await call('/auth/logout-all', 'POST');
      await signOut('logout', true);
    },
    me: () => call<Me>('/auth/me'),
    sessions: () => call<Session[]>('/auth/sessions'),
    async endSession(id: string) {
      await call(`/auth/sessions/${encodeURIComponent(id)}`, 'DELETE');
      if (id === sessionId) await signOut('logout', true);
    },
    changePassword: (body: ChangePasswordBody) => call<void>('/auth/password', 'POST', body),
    mfaStatus: () => call<MfaStatus>('/auth/mfa'),
    /** Starts (or restarts) TOTP enrolment; `confirmTotp()` with a code from the app turns it on. */
    startTotp: () => call<TotpEnrolment>('/auth/mfa/totp', 'POST', {}),
    /**
     * Turns TOTP on and returns the 10 recovery codes (shown once). The service then signs out
     * the user's other sessions; this one is refreshed at once so that its token carries `mfa`.
     */
    async confirmTotp(code: string) {
      const codes = await call<RecoveryCodes>('/auth/mfa/totp/confirm', 'POST', { code });
      refreshAt = usableUntil = 0; // the next read waits for this refresh
      refresh().catch(() => {});
      return codes;
    },
    /** Turns TOTP off with a current code or a recovery code. */
    disableTotp: (proof: MfaProof) => call<void>('/auth/mfa/totp', 'DELETE', proof),
    /** A new set of recovery codes (needs a token from a login with the second factor). */
    newRecoveryCodes: () => call<RecoveryCodes>('/auth/mfa/recovery-codes', 'POST', {}),
    /** The identity providers the service offers, for one button each. */
    async providers() {
      const response = await request('/auth/oidc/providers', 'GET');
      if (!response.ok) throw await failure(response);
      return (await response.json()) as IdentityProvider[];
    },
    /** Sends the browser to the provider; it comes back to `returnTo` (a path of the app). */
    signInWith: (provider: string, { returnTo = '/' } = {}) => go(oidc(provider), returnTo),
    /**
     * On the page the provider sent the browser back to: reads `#code`, `#linked` or `#error`,
     * clears the fragment, and exchanges a code as `login()` does (`mfaRequired`, then
     * `verifyMfa()`). `hash` defaults to `location.hash`.
     */
    async handleRedirect(hash = browser ? location.hash : ''): Promise<RedirectResult> {
      const found = new URLSearchParams(hash.replace(/^#/, ''));
      const [code, linked, error] = ['code', 'linked', 'error'].map((key) => found.get(key));
      if (!code && !linked && !error) return undefined;
      // the one-time code leaves the address bar (and the history) at once
      if (browser) history.replaceState(history.state, '', location.pathname + location.search);
      if (error) throw new LatchError(400, error);
      return linked ? { linked } : firstStep('/auth/oidc/exchange', { code });
    },
    /** Sends the signed-in user's browser to link a provider account; back to `returnTo`. */
    async linkProvider(provider: string, { returnTo = '/' } = {}) {
      const { url } = await call<{ url: string }>(
        `/auth/oidc/${encodeURIComponent(provider)}/link`,
        'POST',
        {},
      );
      return go(url, returnTo);
    },
    identities: () => call<Identity[]>('/auth/identities'),
    unlinkIdentity: (id: string) =>
      call<void>(`/auth/identities/${encodeURIComponent(id)}`, 'DELETE'),
    /** Refresh now (single flight); rejects with a LatchError when it cannot. */
    refresh,
    /**
     * For add-ons such as `@latch/client/passkeys`: `call` with the access token; `post` to a
     * public route and `signIn` through one (its token response signs this client in); with
     * `mfa`, the pending second step's mfaToken is added to the body (it never leaves here
     * otherwise), and an ended second step signs out (`mfa_token_invalid`).
     */
    via: { call, post: postPublic, signIn },
    /** Stops timers and the cross-tab channel. */
    close() {
      clearTimeout(timer);
      channel?.close();
    },
  };
}
