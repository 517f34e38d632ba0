import { registerUser } from '../accounts/accounts.js';
import type { Config } from '../config.js';
import { parseOptions, required } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

export async function usersCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'create') throw new UsageError(`unknown users command: ${action ?? '(none)'}`);
  const values = parseOptions(rest, {
    nickname: { type: 'string' },
    password: { type: 'string' },
    email: { type: 'string' },
    admin: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const registration = {
    nickname: required(values.nickname, '--nickname'),
    password: required(values.password, '--password'),
    email: values.email,
    admin: values.admin ?? false,
  };
  const user = await withStores(config, (stores) => registerUser(stores, registration, Date.now()));
  if (values.json) {
    out(JSON.stringify({ id: user.id, nickname: user.nickname, email: user.email, admin: user.admin }));
  } else {
    out(`Created user ${user.nickname} (id ${user.id}${user.admin ? ', admin' : ''}).`);
  }
}
