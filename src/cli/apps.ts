import { ApplicationError, parseScopeList, registerApplication } from '../accounts/applications.js';
import type { Config } from '../config.js';
import { appsUpdateCommand } from './apps-update.js';
import { parseOptions, required } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

export async function appsCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'update') return appsUpdateCommand(rest, config, out);
  if (action !== 'create') throw new UsageError(`unknown apps command: ${action ?? '(none)'}`);
  const values = parseOptions(rest, {
    owner: { type: 'string' },
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    scopes: { type: 'string' },
    'description-en': { type: 'string' },
    'description-ru': { type: 'string' },
    public: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const owner = required(values.owner, '--owner');
  const name = required(values.name, '--name');
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length === 0) throw new UsageError('--redirect-uri is required');
  const scopes = values.scopes === undefined ? undefined : parseScopeList(values.scopes);

  const { application, clientSecret } = await withStores(config, async (stores) => {
    const found = await stores.users.findByNickname(owner);
    if (!found) throw new ApplicationError('owner', `No user with nickname "${owner}".`);
    return registerApplication(
      stores,
      {
        ownerId: found.user.id,
        name,
        redirectUris,
        scopes,
        // An operator at the command line is an administrator: whatever scopes they name are allowed.
        descriptionEn: values['description-en'],
        descriptionRu: values['description-ru'],
        // A public application (mobile or single-page) gets no secret and must use PKCE.
        confidential: values.public !== true,
      },
      Date.now(),
    );
  });
  // A confidential application's JSON is what it always was; a public one's says so, and has no secret.
  const credentials = clientSecret === undefined ? { confidential: false } : { client_secret: clientSecret };
  const result = {
    id: application.id,
    name: application.name,
    client_id: application.uid,
    ...credentials,
    redirect_uri: application.redirectUris.join('\n'),
    redirect_uris: application.redirectUris,
    scopes: application.scopes.join(' '),
    owner,
  };
  if (values.json) {
    out(JSON.stringify(result, null, 2));
    return;
  }
  out(`Created application "${result.name}" (id ${result.id}).`);
  out(`client_id:     ${result.client_id}`);
  if (clientSecret === undefined) out('client_secret: none (a public client: it must use PKCE with S256)');
  else out(`client_secret: ${clientSecret}   (shown only now: store it safely)`);
  out(`redirect_uri:  ${result.redirect_uris.join(' ')}`);
  out(`scopes:        ${result.scopes}`);
}
