/** Every mail Latch sends, in one place: a subject, a plain-text part and an HTML part. */
export const MAIL_KINDS = [
  'verify_email',
  'reset_password',
  'change_email',
  'email_change_notice',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** What a template may show; `link` carries a token, so it is erased once the mail is sent. */
export interface MailParams {
  link?: string;
  newEmail?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

interface Template {
  subject: string;
  /** Paragraphs before the link (plain text; escaped for HTML). */
  intro: (params: MailParams) => string[];
  /** Paragraphs after the link. */
  outro: string[];
  button?: string;
}

const TEMPLATES: Record<MailKind, Template> = {
  verify_email: {
    subject: 'Confirm your e-mail address',
    intro: () => ['Please confirm that this is your e-mail address by opening this link:'],
    button: 'Confirm my address',
    outro: ['If you did not create an account, you can ignore this mail.'],
  },
  reset_password: {
    subject: 'Reset your password',
    intro: () => [
      'Someone (we hope you) asked to reset your password. Open this link to choose a new one:',
    ],
    button: 'Choose a new password',
    outro: [
      'The link works once and for a short time. If you did not ask for it, ignore this mail: your password stays as it is.',
    ],
  },
  change_email: {
    subject: 'Confirm your new e-mail address',
    intro: ({ newEmail }) => [
      `Open this link to make ${newEmail ?? 'this address'} the address of your account:`,
    ],
    button: 'Confirm the new address',
    outro: ['If you did not ask for this change, ignore this mail: nothing changes.'],
  },
  email_change_notice: {
    subject: 'Your e-mail address is about to change',
    intro: ({ newEmail }) => [
      `Someone signed in to your account asked to change its e-mail address to ${newEmail ?? 'another address'}.`,
      'Nothing changes until the new address is confirmed.',
    ],
    outro: ['If this was not you, change your password now and sign out of every session.'],
  },
};

/**
 * Renders a mail. In the text part the link stands alone on its own line, so that mail
 * clients make it clickable whole; every value is HTML-escaped in the HTML part.
 */
export function renderMail(kind: MailKind, params: MailParams): RenderedMail {
  const template = TEMPLATES[kind];
  const intro = template.intro(params);
  const link = template.button ? params.link : undefined;
  if (template.button && !link) throw new Error(`mail ${kind} needs a link`);
  const text = [...intro, ...(link ? [link] : []), ...template.outro].join('\n\n') + '\n';
  const paragraphs = [
    ...intro.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link)}">${escapeHtml(template.button!)}</a></p>`,
          `<p style="word-break:break-all;color:#555">${escapeHtml(link)}</p>`,
        ]
      : []),
    ...template.outro.map((p) => `<p>${escapeHtml(p)}</p>`),
  ];
  const html =
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(template.subject)}</title></head>` +
    `<body style="font-family:sans-serif;line-height:1.5">${paragraphs.join('')}</body></html>`;
  return { subject: template.subject, text, html };
}
