import { renderMail } from './templates';

describe('mail templates', () => {
  const link = 'https://app.example.com/verify-email#token=abc_DEF-123';

  it('puts the link alone on one line of the text part', () => {
    const { text } = renderMail('verify_email', { link });
    expect(text.split('\n')).toContain(link);
  });

  it('escapes every value in the HTML part', () => {
    const { html } = renderMail('change_email', {
      link: 'https://x.example/confirm-email#token=a&b',
      newEmail: '"<script>"@example.com',
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&quot;&lt;script&gt;&quot;@example.com');
    expect(html).toContain('token=a&amp;b');
  });

  it('sends the notice to the old address without any link', () => {
    const { text, html } = renderMail('email_change_notice', { newEmail: 'new@example.com' });
    expect(text).not.toMatch(/https?:/);
    expect(html).not.toMatch(/href=/);
  });

  it('refuses to render a link mail without its link', () => {
    expect(() => renderMail('reset_password', {})).toThrow();
  });
});
