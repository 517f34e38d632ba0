/**
 * The command-line example: signs in with the device grant (RFC 8628), printing the code and the link, then the
 * user's nickname.
 *
 *   node dist/examples/cli/main.js --base-url http://127.0.0.1:4000 --client-id CLIENT_ID [--client-secret S]
 *     [--scope user_rates] [--token-file ~/.config/monban-example/tokens.json]
 *
 * In an application of your own, import from the package: `import { createClient } from '@monban/client';` and
 * `import { fileStore } from '@monban/client/file-store';`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient, OAuthError, type TokenStorage } from '../../packages/client/src/index.js';
import { fileStore } from '../../packages/client/src/file-store.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the example with these arguments; resolves to the exit status. */
export async function main(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'base-url': { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        scope: { type: 'string', multiple: true },
        'token-file': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    io.err(`monban-example-cli: ${(err as Error).message}`);
    return 2;
  }
  const baseUrl = values['base-url'];
  const clientId = values['client-id'];
  if (baseUrl === undefined || clientId === undefined) {
    io.err('usage: main.js --base-url URL --client-id ID [--client-secret SECRET] [--scope S]... [--token-file PATH]');
    return 2;
  }
  const storage: TokenStorage | undefined =
    values['token-file'] === undefined ? undefined : fileStore(values['token-file']);
  const client = createClient({
    baseUrl,
    clientId,
    ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
    ...(values.scope === undefined ? {} : { scopes: values.scope }),
    ...(storage === undefined ? {} : { storage }),
    userAgent: 'Monban example CLI/1.0',
  });
  try {
    if ((await client.tokens()) === undefined) {
      await client.signInWithDevice(({ userCode, verificationUri, verificationUriComplete }) => {
        io.out(`To sign in, open ${verificationUri} and enter the code ${userCode}`);
        if (verificationUriComplete !== undefined) io.out(`(or open ${verificationUriComplete})`);
        io.out('Waiting for you to answer…');
      });
    }
    const me = await client.whoami<{ nickname: string }>();
    io.out(`Signed in as ${me.nickname}`);
    return 0;
  } catch (err) {
    if (err instanceof OAuthError) {
      io.err(`Sign-in failed: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`);
      return 1;
    }
    io.err(`Sign-in failed: ${(err as Error).message}`);
    return 1;
  }
}

// Run when started as a program (not when a test imports it).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const status = await main(process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
  process.exit(status);
}
