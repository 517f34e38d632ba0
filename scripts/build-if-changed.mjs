#!/usr/bin/env node
// Every npm script that needs the build runs this first (build, prepare, start, dev, test, bench): it compiles
// (`tsc -b tsconfig.build.json`, which re-checks and re-emits only what changed) when a source is newer than the
// last build, and otherwise returns at once, without loading TypeScript, which alone takes about 1.5 s on a 2-core
// machine. The last build is dist/.tsbuildinfo (tsconfig.build.json); a build that reported errors counts as out
// of date, so that they are reported again. The inputs are tsc -b's own (the configs and the files under
// tsconfig.json's `include`), compared the same way, by modification time; after a successful build the build info
// is dated from its start, so that a file tsc -b had no need to rebuild for (a README in src/, say) does not make
// every later start pay for tsc again.
//
//   node scripts/build-if-changed.mjs            in the project's folder (the current directory)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const CONFIG = 'tsconfig.build.json';
const BUILD_INFO = 'dist/.tsbuildinfo';
const CONFIGS = ['tsconfig.json', CONFIG];
/** Sources outside `include` that the tests import, so tsc compiles them too (the client package, the examples). */
const IMPORTED_FOLDERS = ['packages/client/src', 'examples'];
/**
 * What bin/monban.js runs, and its source. tsc -b judges a build by its build info alone, so an output deleted
 * since (dist/src but not dist/.tsbuildinfo) would never come back: then the build info goes and all is rebuilt.
 */
const ENTRY = { source: 'src/cli/main.ts', output: 'dist/src/cli/main.js' };
/**
 * The fields of a build info that records a clean build. Any other (semanticDiagnosticsPerFile, errors,
 * affectedFilesPendingEmit, ...) means errors or unfinished work, which only tsc can judge.
 */
const CLEAN_BUILD_FIELDS = new Set([
  'fileNames',
  'fileIdsList',
  'fileInfos',
  'root',
  'options',
  'referencedMap',
  'version',
]);

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The newest modification time under a folder, the folders' own included (a deleted file changes its folder). */
function newest(dir) {
  let latest = mtime(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path));
  }
  return latest;
}

/** The top folders of tsconfig.json's `include` ("src/**\/*.ts" → src); undefined if it cannot be read as JSON. */
function sourceFolders() {
  try {
    const include = JSON.parse(readFileSync('tsconfig.json', 'utf8')).include;
    if (!Array.isArray(include)) return undefined;
    return [...new Set(include.map((pattern) => String(pattern).split('/')[0]))];
  } catch {
    return undefined;
  }
}

/** Why a build is needed, or undefined when the last one is clean and newer than every input. */
function staleReason() {
  const built = mtime(BUILD_INFO);
  if (built === 0) return 'no incremental build yet';
  if (existsSync(ENTRY.source) && !existsSync(ENTRY.output)) {
    rmSync(BUILD_INFO);
    return `${ENTRY.output} is missing`;
  }
  let info;
  try {
    info = JSON.parse(readFileSync(BUILD_INFO, 'utf8'));
  } catch {
    return 'the build info is unreadable';
  }
  if (Object.keys(info).some((field) => !CLEAN_BUILD_FIELDS.has(field))) return 'the last build had errors';
  const folders = sourceFolders();
  if (folders === undefined) return 'tsconfig.json is not plain JSON';
  const changed = [...CONFIGS, ...folders, ...IMPORTED_FOLDERS].find((path) => {
    try {
      return (statSync(path).isDirectory() ? newest(path) : mtime(path)) > built;
    } catch {
      return false;
    }
  });
  return changed === undefined ? undefined : `${changed} changed since the last build`;
}

const reason = staleReason();
if (reason !== undefined) {
  process.stderr.write(`monban: compiling (${reason}): tsc -b ${CONFIG}\n`);
  const started = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-b', CONFIG], { stdio: 'inherit' });
  if (result.status === 0 && mtime(BUILD_INFO) !== 0) utimesSync(BUILD_INFO, started, started);
  process.exit(result.status ?? 1);
}
