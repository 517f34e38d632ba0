import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TokenStorage } from './storage.js';

/**
 * Keeps everything in one JSON file (Node.js only: import it from `@monban/client/file-store`). Each change is
 * written to a temporary file beside it with mode 0600 (only this user can read the tokens) and renamed over it,
 * so a crash never leaves half a file; changes from this process are written one after another. Refresh tokens
 * are long-lived credentials (RFC 6749 §10.4): keep them where only their user can read them.
 *
 * @example
 * ```ts
 * import { fileStore } from '@monban/client/file-store';
 * const client = createClient({ ..., storage: fileStore(`${os.homedir()}/.config/my-cli/tokens.json`) });
 * ```
 */
export function fileStore(path: string): TokenStorage {
  let chain: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  async function save(values: Record<string, string>): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(values, null, 2), { mode: 0o600, flag: 'wx' });
      // The mode given to writeFile is cut by the umask; 0600 is what it must be.
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
  }

  function change(update: (values: Record<string, string>) => void): Promise<void> {
    const next = chain.then(async () => {
      const values = await load();
      update(values);
      await save(values);
    });
    chain = next.catch(() => undefined);
    return next;
  }

  return {
    get: async (key) => {
      await chain;
      return (await load())[key];
    },
    set: (key, value) => change((values) => void (values[key] = value)),
    delete: (key) => change((values) => void delete values[key]),
  };
}
