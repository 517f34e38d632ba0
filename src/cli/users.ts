import { registerUser, RegistrationError, setPassword } from '../accounts/accounts.js';
import { createPasswordReset, RESET_TTL_MS, resetLink } from '../accounts/password-resets.js';
import type { Config } from '../config.js';
import { parseOptions, required } from './args.js';
import { withStores } from './database.js';
import { UsageError } from './usage.js';

export async function usersCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'set-password') return setPasswordCommand(rest, config, out);
  if (action === 'reset-link') return resetLinkCommand(rest, config, out);
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

/**
 * `users reset-link`: a password reset link for the user to open (accounts/password-resets.ts), printed once, for a
 * server that sends no mail or an account without an email address (an imported one, docs/import.md). It voids
 * the user's earlier links, works once, within an hour, on MONBAN_PUBLIC_URL.
 */
async function resetLinkCommand(args: string[], config: Config, out: (line: string) => void): Promise<void> {
  const values = parseOptions(args, { nickname: { type: 'string' }, json: { type: 'boolean' } });
  const nickname = required(values.nickname, '--nickname');
  const now = Date.now();
  const made = await withStores(config, async (stores) => {
    const found = await stores.users.findByNickname(nickname);
    return found && { user: found.user, token: await createPasswordReset(stores, found.user.id, now) };
  });
  if (!made) throw new RegistrationError('nickname', `no user ${nickname}`);
  const link = resetLink(config.publicUrl, made.token);
  const expiresAt = new Date(now + RESET_TTL_MS).toISOString();
  if (values.json) {
    out(JSON.stringify({ nickname: made.user.nickname, link, expires_at: expiresAt }));
  } else {
    out(`Password reset link for ${made.user.nickname} (works once, until ${expiresAt}):`);
    out(link);
  }
}
