import { createLatchClient, LatchError, type LatchEvent } from '@latch/client';

declare global {
  interface Window {
    LATCH_URL?: string;
    latch: typeof latch;
  }
}

const latch = createLatchClient({ baseUrl: window.LATCH_URL ?? 'http://localhost:3000' });
window.latch = latch; // for the browser tests and the devtools console

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
  if (event?.type === 'refreshed') {
    renewals++;
    const renewed = $('renewed');
    renewed.dataset.at = String(event.at);
    renewed.textContent = `token renewed at ${time(event.at)} (${renewals}×${event.byOtherTab ? ', by another tab' : ''})`;
  }
  if (event?.type === 'signed-in') void loadAll();
  if (event?.type === 'signed-out')
    ['me', 'notes', 'sessions'].forEach((id) => ($(id).textContent = ''));
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
  $('me').textContent =
    `${user.email}\nuser ${me.userId}\nsession ${me.sessionId}\nroles ${me.roles.join(', ')}`;
}

const loadAll = () => run(() => Promise.all([whoAmI(), loadNotes(), loadSessions()]));

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
void latch.ready.then(() => show());
