/**
 * The guide page's script (served as /assets/guide/script.js, a module: the CSP allows scripts from Monban only).
 * It makes the page live: the link and the commands follow the chosen application, scopes, code and tokens, and
 * steps 3 to 5 can be sent from the page. The client secret pasted here goes only into the token request to Monban;
 * the commands keep CLIENT_SECRET. Requests carry no cookies (`credentials: 'omit'`), as curl sends none.
 */
import { authorizationUrl, refreshCommand, tokenCommand, whoamiCommand, type GuideValues } from './commands.js';

function byId<T extends HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

const guide = byId<HTMLElement>('guide');
const picker = byId<HTMLSelectElement>('guide_application');

if (guide && picker) {
  const page = guide;
  const application = picker;
  const field = (id: string) => byId<HTMLInputElement>(id) as HTMLInputElement;
  const secret = field('guide_client_secret');
  const code = field('guide_code');
  const accessToken = field('guide_access_token');
  const refreshToken = field('guide_refresh_token');

  const scopeInputs = () => [...document.querySelectorAll<HTMLInputElement>('#guide_scopes input[name="scope"]')];

  /** A pasted redirect address (`https://app/cb?code=…`) counts as its code. */
  function codeOf(value: string): string {
    const text = value.trim();
    try {
      return new URL(text).searchParams.get('code') ?? text;
    } catch {
      return text;
    }
  }

  function values(): GuideValues {
    const option = application.selectedOptions[0];
    return {
      baseUrl: page.dataset.baseUrl ?? '',
      clientId: option?.dataset.clientId,
      redirectUri: option?.dataset.redirectUri,
      scopes: scopeInputs()
        .filter((input) => input.checked && !input.disabled)
        .map((input) => input.value),
      code: codeOf(code.value),
      accessToken: accessToken.value,
      refreshToken: refreshToken.value,
    };
  }

  function render(): void {
    const current = values();
    const link = authorizationUrl(current);
    (byId('authorization_url') as HTMLElement).textContent = link;
    (byId<HTMLAnchorElement>('authorize_link') as HTMLAnchorElement).href = link;
    (byId('token_command') as HTMLElement).textContent = tokenCommand(current);
    (byId('whoami_command') as HTMLElement).textContent = whoamiCommand(current);
    (byId('refresh_command') as HTMLElement).textContent = refreshCommand(current);
  }

  /** Only the chosen application's scopes can be ticked. */
  function offerScopes(): void {
    const own = (application.selectedOptions[0]?.dataset.scopes ?? '').split(' ');
    for (const input of scopeInputs()) {
      const mine = own.includes(input.value);
      input.disabled = !mine;
      if (!mine) input.checked = false;
      const label = input.closest('label');
      if (label) label.hidden = !mine;
    }
  }

  /** Another application: the secret, code and tokens were the other one's. */
  function applicationChanged(): void {
    offerScopes();
    for (const input of [secret, code, accessToken, refreshToken]) input.value = '';
    render();
  }

  function show(id: string, text: string): void {
    const box = byId<HTMLPreElement>(id) as HTMLPreElement;
    box.textContent = text;
    box.hidden = false;
    (byId(`${id}_title`) as HTMLElement).hidden = false;
  }

  /** Asks for the fields still empty, by their labels; true when none is. */
  function filled(responseId: string, inputs: HTMLInputElement[]): boolean {
    const empty = inputs.filter((input) => input.value.trim() === '');
    if (empty.length === 0) return true;
    const names = empty.map((input) => document.querySelector(`label[for="${input.id}"]`)?.textContent?.trim());
    show(responseId, (page.dataset.missing ?? '{fields}').replace('{fields}', names.join(', ')));
    empty[0]?.focus();
    return false;
  }

  /** Sends a request and shows its status and body (every status: Shikimori's page shows 401s too, compatibility.md §7). */
  type Body = Record<string, unknown>;
  async function send(responseId: string, url: string, init: RequestInit): Promise<Body | undefined> {
    try {
      const response = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      // Pretty-printed in the order the server sent the keys.
      show(responseId, `HTTP ${response.status}\n${parsed === undefined ? text : JSON.stringify(parsed, null, 2)}`);
      return response.ok && typeof parsed === 'object' && parsed !== null ? (parsed as Body) : undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      show(responseId, (page.dataset.failed ?? '{message}').replace('{message}', message));
      return undefined;
    }
  }

  function keepTokens(body: Body | undefined): void {
    if (typeof body?.access_token === 'string') accessToken.value = body.access_token;
    if (typeof body?.refresh_token === 'string') refreshToken.value = body.refresh_token;
    render();
  }

  /** The token endpoint as Shikimori's own guide calls it: a JSON body (compatibility.md §7). */
  function postToken(fields: Record<string, string>): RequestInit {
    return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) };
  }

  async function requestToken(): Promise<void> {
    if (!filled('token_response', [secret, code])) return;
    const current = values();
    const fields = {
      grant_type: 'authorization_code',
      client_id: current.clientId ?? '',
      client_secret: secret.value.trim(),
      code: current.code ?? '',
      redirect_uri: current.redirectUri ?? '',
    };
    keepTokens(await send('token_response', `${current.baseUrl}/oauth/token`, postToken(fields)));
  }

  async function callWhoami(): Promise<void> {
    if (!filled('whoami_response', [accessToken])) return;
    const headers = { authorization: `Bearer ${accessToken.value.trim()}` };
    await send('whoami_response', `${page.dataset.baseUrl ?? ''}/api/users/whoami`, { headers });
  }

  async function refresh(): Promise<void> {
    if (!filled('refresh_response', [secret, refreshToken])) return;
    const current = values();
    const fields = {
      grant_type: 'refresh_token',
      client_id: current.clientId ?? '',
      client_secret: secret.value.trim(),
      refresh_token: refreshToken.value.trim(),
    };
    keepTokens(await send('refresh_response', `${current.baseUrl}/oauth/token`, postToken(fields)));
  }

  application.addEventListener('change', applicationChanged);
  for (const input of scopeInputs()) input.addEventListener('change', render);
  for (const input of [code, accessToken, refreshToken]) input.addEventListener('input', render);
  byId('request_token')?.addEventListener('click', () => void requestToken());
  byId('call_whoami')?.addEventListener('click', () => void callWhoami());
  byId('refresh_token')?.addEventListener('click', () => void refresh());

  // The page is live: the form's button is not needed, the request parts are.
  (byId('guide_show') as HTMLElement).hidden = true;
  (byId('guide_needs_js') as HTMLElement).hidden = true;
  for (const id of ['token_live', 'whoami_live', 'refresh_live']) (byId(id) as HTMLElement).hidden = false;
  // A page brought back from history may have another application selected than the one it was served with.
  offerScopes();
  render();
}
