/**
 * A browser as far as the sign-in flow needs one: cookies per host (HttpOnly or not, sent
 * on every path of that host), redirects followed by hand, and forms of the provider's
 * development login and consent pages submitted as a person would.
 */
export class FlowBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string | undefined): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, string>();
    if (value === undefined) cookies.delete(name);
    else cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  /** One request, no redirect followed; Set-Cookie stored. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const cookies = this.jar.get(new URL(url).host);
    const headers: Record<string, string> = {};
    if (cookies?.size) {
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) this.store(url, line);
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location ? new URL(location, url).href : undefined,
      text: await response.text(),
      headers: response.headers,
    };
  }

  private store(url: string, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const expired = attributes.some(
      (attribute) =>
        /^max-age=0$/i.test(attribute) ||
        (/^expires=/i.test(attribute) && new Date(attribute.slice(8)).getTime() < Date.now()),
    );
    this.setCookie(url, name, expired || value === '' ? undefined : value);
  }
}

/** What a person does at the provider: sign in as `login`, then consent (or cancel). */
export interface ProviderUser {
  login: string;
  cancel?: boolean;
}

/**
 * Follows the provider's redirects and pages from its authorization URL until it sends the
 * browser to `stopAt` (the relying party's callback); returns that URL without visiting it.
 */
export async function throughProvider(
  browser: FlowBrowser,
  authorizationUrl: string,
  user: ProviderUser,
  stopAt: string,
): Promise<string> {
  let url = authorizationUrl;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return url;
    const page = await browser.request(url);
    if (page.location) {
      url = page.location;
      continue;
    }
    if (page.status !== 200) throw new Error(`the provider answered ${page.status}: ${page.text}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
    const prompt = /name="prompt" value="([a-z]+)"/.exec(page.text)?.[1];
    if (!action || !prompt) throw new Error(`no form on the provider's page: ${page.text}`);
    if (user.cancel) {
      const abort = /href="([^"]*\/abort)"/.exec(page.text)?.[1];
      if (!abort) throw new Error('no cancel link on the provider page');
      url = new URL(abort.replace(/&amp;/g, '&'), url).href;
      continue;
    }
    const form: Record<string, string> =
      prompt === 'login' ? { prompt, login: user.login, password: 'any' } : { prompt };
    const submitted = await browser.request(new URL(action.replace(/&amp;/g, '&'), url).href, {
      form,
    });
    if (!submitted.location) throw new Error(`the form answered ${submitted.status}`);
    url = submitted.location;
  }
  throw new Error('the provider never sent the browser back');
}
