// The pages that mailed links open (docs/api.md, "Accounts"): /verify-email, /reset-password
// and /confirm-email, each with the token in the fragment (#token=…), which never reaches a
// server log or a Referer. The page takes the token out of the address bar at once (history,
// screenshots) and posts it, with the form's other fields, to the form's API route when the
// user submits: a click, so that a mail scanner that renders the page does not spend the link.
// These routes need no session, so the page uses plain fetch without credentials.

const baseUrl = window.LATCH_URL ?? 'http://localhost:3000';
const form = document.getElementById('link-form') as HTMLFormElement;
const submit = document.getElementById('link-submit') as HTMLButtonElement;
const result = document.getElementById('result') as HTMLElement;

const token = new URLSearchParams(location.hash.slice(1)).get('token');
history.replaceState(null, '', location.pathname + location.search);

function show(state: 'sending' | 'done' | 'failed', text: string, code = '') {
  result.dataset.state = state;
  result.dataset.code = code;
  result.textContent = text;
}

interface Problem {
  code?: string;
  title?: string;
  detail?: string;
}

async function post(fields: Record<string, string>) {
  const response = await fetch(new URL(form.dataset.route!, baseUrl), {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...fields, token }),
  });
  if (response.ok) {
    form.hidden = true;
    show('done', form.dataset.done ?? 'Done.');
    return;
  }
  const problem = (await response.json().catch(() => ({}))) as Problem;
  show(
    'failed',
    problem.detail ?? problem.title ?? `the service answered ${response.status}`,
    problem.code ?? '',
  );
}

if (!token) {
  submit.disabled = true;
  show('failed', 'This link has no token: open the link from the mail again.', 'no_token');
}

form.onsubmit = (event) => {
  event.preventDefault();
  const fields: Record<string, string> = {};
  for (const [name, value] of new FormData(form))
    if (typeof value === 'string') fields[name] = value;
  submit.disabled = true;
  show('sending', 'sending…');
  post(fields)
    .catch((error: unknown) =>
      show('failed', `The service could not be reached (${String(error)}).`),
    )
    .finally(() => (submit.disabled = false));
};
