/**
 * `monban serve --dev` (what `npm run dev` runs): a trial on one's own machine, where a script that runs the
 * README's commands one after another must not meet Shikimori's 5 requests a second (compatibility.md §6). It
 * changes defaults only: a MONBAN_RATE_LIMIT that is set still applies, so limits can be tried in this mode too.
 * Its log lines are for reading (ops/pretty-log.ts); `monban serve` keeps the limits and the JSON lines.
 */
export function devEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return (env.MONBAN_RATE_LIMIT ?? '') === '' ? { ...env, MONBAN_RATE_LIMIT: 'off' } : env;
}
