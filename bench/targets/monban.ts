/**
 * `monban serve` under the CPU profiler, for `npm run bench -- --profile`: runs dist/src/cli/main.js in this very
 * process (same settings, same code path as `node bin/monban.js serve`), starts V8's sampling profiler once Monban
 * says it is listening (so start-up, module loading and migrations stay out of the profile), and on SIGTERM writes
 * the profile to BENCH_CPU_PROFILE before Monban's own handler stops the server.
 *
 * Without --profile the benchmark starts dist/src/cli/main.js directly and this file is not involved.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';

const output = process.env.BENCH_CPU_PROFILE;
const session = new Session();
let profiling = false;

if (output) {
  session.connect();
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (!profiling && /listening/i.test(String(chunk))) {
      profiling = true;
      // An inspector session on this thread answers synchronously.
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 500 });
      session.post('Profiler.start');
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;

  // Registered before Monban's own SIGTERM handler, so it runs first.
  process.once('SIGTERM', () => {
    if (!profiling) return;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(output, JSON.stringify(result.profile));
    });
  });
}

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
process.argv = [process.argv[0] as string, main, 'serve'];
await import(main);
