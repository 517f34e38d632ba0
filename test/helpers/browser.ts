import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/** The value of an input in an HTML form (test pages are Monban's own, so a regular expression suffices). */
function formFields(formHtml: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const match of formHtml.matchAll(/<input\b[^>]*>/g)) {
    const tag = match[0];
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    if (name === undefined) continue;
    if (/type="checkbox"/.test(tag) && !/\bchecked\b/.test(tag)) continue;
    const value = /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '';
    fields.push([name, decodeEntities(value)]);
  }
  return fields;
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Finds a form by `form#id` in a page and returns its action and fields. */
export function findForm(page: string, selector: string): { action: string; fields: Array<[string, string]> } {
  const id = selector.replace(/^form#/, '');
  const pattern = id === selector || id === '' ? /<form\b[^>]*>[\s\S]*?<\/form>/ : new RegExp(`<form\\b[^>]*id="${id}"[^>]*>[\\s\\S]*?</form>`);
  const form = pattern.exec(page)?.[0];
  if (!form) throw new Error(`no ${selector} in page: ${page.slice(0, 500)}`);
  const action = decodeEntities(/\baction="([^"]*)"/.exec(form)?.[1] ?? '');
  return { action, fields: formFields(form) };
}

/** A cookie-keeping client over `inject`, enough to sign in and answer forms like a browser without JavaScript. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly server: FastifyInstance) {}

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    const headers = { ...(options.headers ?? {}), cookie: this.cookieHeader() };
    const response = await this.server.inject({ ...options, headers });
    this.remember(response);
    return response;
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request({ method: 'GET', url, headers });
  }

  post(url: string, fields: Array<[string, string]> | Record<string, string>, headers: Record<string, string> = {}) {
    return this.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  }

  /** Submits a form of a page, with changes to its fields (a value of null removes the field). */
  submit(page: string, selector: string, changes: Record<string, string | null> = {}) {
    const form = findForm(page, selector);
    const fields = form.fields.filter(([name]) => !(name in changes));
    for (const [name, value] of Object.entries(changes)) if (value !== null) fields.push([name, value]);
    return this.post(form.action, fields);
  }

  async signIn(nickname: string, password: string): Promise<void> {
    const page = await this.get('/users/sign_in');
    const response = await this.submit(page.body, 'form', { nickname, password });
    if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  }
}
