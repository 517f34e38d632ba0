import { registerUser, RegistrationError, setPassword } from '../accounts/accounts.js';
import type { Config } from '../config.js';
import { parseOptions, required } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

export async function usersCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'set-password') return setPasswordCommand(rest, config, out);
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

/** `users set-password`: for an account imported without a password (docs/import.md), or any other. */
async function setPasswordCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const values = parseOptions(args, { nickname: { type: 'string' }, password: { type: 'string' } });
  const nickname = required(values.nickname, '--nickname');
  const password = required(values.password, '--password');
  const set = await withStores(config, (stores) => setPassword(stores, nickname, password, Date.now()));
  if (!set) throw new RegistrationError('nickname', `no user ${nickname}`);
  out(`Set the password of ${nickname}.`);
}
