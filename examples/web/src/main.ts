import { createLatchClient, LatchError, type LatchEvent, type MfaProof } from '@latch/client';
import { autofillSupported, passkeys, passkeysSupported } from '@latch/client/passkeys';
import QRCode from 'qrcode';

declare global {
  interface Window {
    latch?: typeof latch;
  }
}

const latch = createLatchClient({ baseUrl: window.LATCH_URL ?? 'http://localhost:3000' });
// Only in the build the browser tests make (`vite build --mode browser-test`): anywhere else a
// global hands the client (its fetch with the token, logout, password change) to every script
// on the page. Vite replaces MODE at build time, so the normal build has not even this line.
if (import.meta.env.MODE === 'browser-test') window.latch = latch;

const keys = passkeys(latch);

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const time = (at: number) => new Date(at).toLocaleTimeString();
let renewals = 0;

function show(event?: LatchEvent) {
  const state = latch.state;
  const status = $('status');
  status.dataset.state = state;
  status.textContent =
    event?.type === 'signed-out' ? `signed out (${event.reason})` : state.replace('-', ' ');
  $('signed-in').hidden = state !== 'signed-in';
  $('signed-out').hidden = state !== 'signed-out';
  $('mfa-step').hidden = state !== 'mfa-required';
  if (event?.type === 'mfa-required') $('mfa-code').focus();
  $('mfa-passkey').hidden = state !== 'mfa-required' || !passkeysSupported();
  if (state === 'signed-out') void offerAutofill();
  if (event?.type === 'refreshed') {
    renewals++;
    const renewed = $('renewed');
    renewed.dataset.at = String(event.at);
    renewed.textContent = `token renewed at ${time(event.at)} (${renewals}×${event.byOtherTab ? ', by another tab' : ''})`;
  }
  if (event?.type === 'signed-in') void loadAll();
  if (event?.type === 'signed-in' || event?.type === 'signed-out') {
    ['mfa-form', 'mfa-recovery-form'].forEach((id) => $<HTMLFormElement>(id).reset());
  }
  if (event?.type === 'signed-out') {
    ['me', 'notes', 'sessions', 'mfa-secret', 'mfa-qr', 'recovery-codes'].forEach(
      (id) => ($(id).textContent = ''),
    );
    ['mfa-enrol', 'mfa-codes', 'mfa-setup', 'mfa-manage'].forEach((id) => ($(id).hidden = true));
    $('mfa-status').dataset.enabled = '';
    $('mfa-status').textContent = '…';
  }
}

async function run(action: () => Promise<unknown>) {
  $('error').textContent = '';
  try {
    await action();
  } catch (error) {
    $('error').textContent =
      error instanceof LatchError ? `${error.code}: ${error.message}` : String(error);
  }
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await latch.fetch(path, {
    ...init,
    headers: init?.body ? { 'content-type': 'application/json' } : {},
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new LatchError(response.status, body.code ?? 'error', body.detail);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

interface Note {
  id: string;
  title: string;
  body: string;
}

async function loadNotes() {
  const notes = await api<Note[]>('/notes');
  $('notes').replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement('li');
      item.textContent = `${note.title}: ${note.body} `;
      const remove = document.createElement('button');
      remove.textContent = 'delete';
      remove.onclick = () =>
        run(async () => {
          await api(`/notes/${note.id}`, { method: 'DELETE' });
          await loadNotes();
        });
      item.append(remove);
      return item;
    }),
  );
}

async function loadSessions() {
  const sessions = await latch.sessions();
  $('sessions').replaceChildren(
    ...sessions.map((session) => {
      const item = document.createElement('li');
      item.dataset.current = String(session.current);
      item.textContent = `${session.current ? 'this device' : (session.userAgent ?? 'unknown')} · since ${new Date(session.createdAt).toLocaleString()} `;
      if (!session.current) {
        const end = document.createElement('button');
        end.textContent = 'sign out';
        end.onclick = () =>
          run(async () => {
            await latch.endSession(session.id);
            await loadSessions();
          });
        item.append(end);
      }
      return item;
    }),
  );
}

async function whoAmI() {
  const [me, user] = await Promise.all([latch.me(), api<{ email: string }>('/users/me')]);
  $('me').dataset.amr = me.amr.join(' ');
  $('me').textContent =
    `${user.email}\nuser ${me.userId}\nsession ${me.sessionId}\nroles ${me.roles.join(', ')}\nsigned in with ${me.amr.join(', ')}`;
}

async function loadMfa() {
  const status = await latch.mfaStatus();
  const element = $('mfa-status');
  element.dataset.enabled = String(status.totpEnabled);
  element.textContent = status.totpEnabled
    ? `on · ${status.recoveryCodesRemaining} recovery codes left`
    : 'off';
  $('mfa-setup').hidden = status.totpEnabled;
  $('mfa-manage').hidden = !status.totpEnabled;
}

function showRecoveryCodes(codes: string[]) {
  $('recovery-codes').replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement('li');
      item.textContent = code;
      return item;
    }),
  );
  $('mfa-codes').hidden = false;
}

// identity providers: a button each to sign in (signed out) or to link (signed in)
const providers = latch.providers().catch(() => []);
const button = (id: string, text: string, onclick: () => unknown) => {
  const element = document.createElement('button');
  element.id = id;
  element.textContent = text;
  element.onclick = () => void run(() => Promise.resolve(onclick()));
  return element;
};
void providers.then((list) =>
  $('providers').replaceChildren(
    ...list.map((p) =>
      button(`signin-${p.id}`, `Sign in with ${p.name}`, () => latch.signInWith(p.id)),
    ),
  ),
);

async function loadIdentities() {
  const [identities, list] = await Promise.all([latch.identities(), providers]);
  const nameOf = (id: string) => list.find((p) => p.id === id)?.name ?? id;
  $('identities').replaceChildren(
    ...identities.map((identity) => {
      const item = document.createElement('li');
      item.dataset.provider = identity.provider;
      item.textContent = `${nameOf(identity.provider)} · ${identity.email ?? 'no address'} · linked ${new Date(identity.linkedAt).toLocaleString()} `;
      item.append(
        button(`unlink-${identity.id}`, 'unlink', async () => {
          await latch.unlinkIdentity(identity.id);
          await loadIdentities();
        }),
      );
      return item;
    }),
  );
  $('link-providers').replaceChildren(
    ...list.map((p) =>
      button(`link-${p.id}`, `Link ${p.name}`, () => latch.linkProvider(p.id, { returnTo: '/' })),
    ),
  );
}

async function loadPasskeys() {
  const list = await keys.passkeys();
  $('passkeys').replaceChildren(
    ...list.map((passkey) => {
      const item = document.createElement('li');
      item.dataset.id = passkey.id;
      const used = passkey.lastUsedAt ? new Date(passkey.lastUsedAt).toLocaleString() : 'never';
      item.textContent = `${passkey.name} · ${passkey.deviceType === 'multiDevice' ? 'synced' : 'this device'} · added ${new Date(passkey.createdAt).toLocaleString()} · last used ${used} `;
      const rename = document.createElement('button');
      rename.textContent = 'rename';
      rename.onclick = () =>
        run(async () => {
          const name = prompt('New name', passkey.name);
          if (name) await keys.renamePasskey(passkey.id, name);
          await loadPasskeys();
        });
      const remove = document.createElement('button');
      remove.textContent = 'delete';
      remove.onclick = () =>
        run(async () => {
          await keys.deletePasskey(passkey.id);
          await loadPasskeys();
        });
      item.append(rename, remove);
      return item;
    }),
  );
}

// While signed out, the e-mail field offers the browser's passkeys (conditional mediation).
let autofillWaiting = false;
async function offerAutofill() {
  if (autofillWaiting || !(await autofillSupported())) return;
  autofillWaiting = true;
  try {
    await keys.signInWithPasskey({ autofill: true });
  } catch (error) {
    // passkey_cancelled: another prompt took over, or the page moved on
    if (!(error instanceof LatchError && error.code === 'passkey_cancelled')) {
      $('error').textContent = error instanceof LatchError ? `${error.code}: ${error.message}` : '';
    }
  } finally {
    autofillWaiting = false;
  }
}

const loadAll = () =>
  run(() =>
    Promise.all([
      whoAmI(),
      loadNotes(),
      loadSessions(),
      loadMfa(),
      loadIdentities(),
      loadPasskeys(),
    ]),
  );

const form = (id: string) => new FormData($<HTMLFormElement>(id));
const field = (data: FormData, name: string) => {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
};

$<HTMLFormElement>('auth-form').onsubmit = (event) => {
  event.preventDefault();
  const data = form('auth-form');
  void run(() => latch.login({ email: field(data, 'email'), password: field(data, 'password') }));
};
$('register').onclick = () => {
  const data = form('auth-form');
  void run(() =>
    latch.register({ email: field(data, 'email'), password: field(data, 'password') }),
  );
};
$('whoami').onclick = () => run(whoAmI);
$('passkey-login').onclick = () => run(() => keys.signInWithPasskey());
$('passkey-signup').onclick = () =>
  run(async () => {
    const result = await keys.signUpWithPasskey(field(form('auth-form'), 'email'));
    if (!('accessToken' in result)) {
      $('error').textContent = 'account created: follow the link mailed to you, then sign in';
    }
  });
$<HTMLFormElement>('passkey-form').onsubmit = (event) => {
  event.preventDefault();
  const name = field(form('passkey-form'), 'name').trim();
  void run(async () => {
    await keys.registerPasskey(name || undefined);
    $<HTMLFormElement>('passkey-form').reset();
    await loadPasskeys();
  });
};
$('mfa-passkey').onclick = () => run(() => keys.verifyMfaWithPasskey());

// the second step of a login, when the account has TOTP on
const verify = (id: string, proof: MfaProof) => {
  void run(async () => {
    try {
      await latch.verifyMfa(proof);
    } catch (error) {
      $<HTMLFormElement>(id).reset(); // a wrong code: try again with the next one
      throw error;
    }
  });
};
$<HTMLFormElement>('mfa-form').onsubmit = (event) => {
  event.preventDefault();
  verify('mfa-form', { code: field(form('mfa-form'), 'code') });
};
$<HTMLFormElement>('mfa-recovery-form').onsubmit = (event) => {
  event.preventDefault();
  verify('mfa-recovery-form', {
    recoveryCode: field(form('mfa-recovery-form'), 'recoveryCode'),
  });
};
$('mfa-cancel').onclick = () => run(() => latch.cancelMfa());

// two-factor settings of the signed-in user
$('mfa-setup').onclick = () =>
  run(async () => {
    const { secret, otpauthUrl } = await latch.startTotp();
    // SVG markup made here by the qrcode package from the service's otpauth:// URL
    $('mfa-qr').innerHTML = await QRCode.toString(otpauthUrl, { type: 'svg', margin: 1 });
    $('mfa-secret').textContent = secret;
    $('mfa-codes').hidden = true;
    $('mfa-enrol').hidden = false;
  });
$<HTMLFormElement>('mfa-confirm-form').onsubmit = (event) => {
  event.preventDefault();
  const code = field(form('mfa-confirm-form'), 'code');
  void run(async () => {
    const { recoveryCodes } = await latch.confirmTotp(code);
    $<HTMLFormElement>('mfa-confirm-form').reset();
    $('mfa-enrol').hidden = true;
    $('mfa-qr').textContent = $('mfa-secret').textContent = '';
    showRecoveryCodes(recoveryCodes);
    await Promise.all([loadMfa(), whoAmI(), loadSessions()]);
  });
};
$('mfa-new-codes').onclick = () =>
  run(async () => {
    showRecoveryCodes((await latch.newRecoveryCodes()).recoveryCodes);
    await loadMfa();
  });
$<HTMLFormElement>('mfa-disable-form').onsubmit = (event) => {
  event.preventDefault();
  const value = field(form('mfa-disable-form'), 'code').trim();
  void run(async () => {
    await latch.disableTotp(/^\d{6}$/.test(value) ? { code: value } : { recoveryCode: value });
    $<HTMLFormElement>('mfa-disable-form').reset();
    $('mfa-codes').hidden = true;
    await loadMfa();
  });
};
$<HTMLFormElement>('note-form').onsubmit = (event) => {
  event.preventDefault();
  const data = form('note-form');
  void run(async () => {
    await api('/notes', {
      method: 'POST',
      body: JSON.stringify({ title: field(data, 'title'), body: field(data, 'body') }),
    });
    $<HTMLFormElement>('note-form').reset();
    await loadNotes();
  });
};
$('logout').onclick = () => run(() => latch.logout());
$('logout-all').onclick = () => run(() => latch.logoutAll());
$<HTMLFormElement>('password-form').onsubmit = (event) => {
  event.preventDefault();
  const data = form('password-form');
  void run(async () => {
    await latch.changePassword({
      currentPassword: field(data, 'currentPassword'),
      newPassword: field(data, 'newPassword'),
    });
    $<HTMLFormElement>('password-form').reset();
    $('error').textContent = 'password changed; other sessions were signed out';
    await loadSessions();
  });
};

latch.onChange(show);
void latch.ready.then(async () => {
  show();
  // back from an identity provider: #code (signs in), #linked or #error in the fragment
  await run(async () => {
    const result = await latch.handleRedirect();
    if (result && 'linked' in result) {
      $('error').textContent = `linked ${result.linked}`;
      await loadIdentities();
    }
  });
});
