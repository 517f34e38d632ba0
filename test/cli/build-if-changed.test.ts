import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

/**
 * Issue 13: `npm start` compiles only what changed, and starts from the build without loading TypeScript when the
 * build is current. The script runs here on a project of one file, with the repository's own tsconfig.build.json.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/build-if-changed.mjs');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    outDir: 'dist',
    rootDir: '.',
    types: [],
  },
  include: ['src/**/*.ts'],
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function buildIfChanged(cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('scripts/build-if-changed.mjs (npm start, npm run dev)', () => {
  let project: string;
  const source = () => join(project, 'src/a.ts');
  const output = () => join(project, 'dist/src/a.js');

  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'monban-build-'));
    await mkdir(join(project, 'src'));
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await copyFile(join(ROOT, 'tsconfig.build.json'), join(project, 'tsconfig.build.json'));
    await writeFile(source(), 'export const a: number = 1;\n');
  });
  after(() => rm(project, { recursive: true, force: true }));

  it('compiles the first time, then starts from the current build without compiling', async () => {
    const first = await buildIfChanged(project);
    assert.deepEqual(first, {
      code: 0,
      stdout: '',
      stderr: 'monban: compiling (no incremental build yet): tsc -b tsconfig.build.json\n',
    });
    const built = (await stat(output())).mtimeMs;

    const second = await buildIfChanged(project);
    assert.deepEqual(second, { code: 0, stdout: '', stderr: '' });
    assert.equal((await stat(output())).mtimeMs, built, 'nothing was written');
  });

  it('compiles again when a source changed, and refuses to start while the build has errors', async () => {
    await writeFile(source(), "export const a: number = 'one';\n");
    const broken = await buildIfChanged(project);
    assert.notEqual(broken.code, 0);
    assert.equal(broken.stderr, 'monban: compiling (src changed since the last build): tsc -b tsconfig.build.json\n');
    assert.match(broken.stdout, /^src\/a\.ts\(1,14\): error TS2322: /);

    // Nothing changed since, but the last build had errors: they are reported again, not started from.
    const again = await buildIfChanged(project);
    assert.notEqual(again.code, 0);
    assert.equal(again.stderr, 'monban: compiling (the last build had errors): tsc -b tsconfig.build.json\n');
    assert.match(again.stdout, /^src\/a\.ts\(1,14\): error TS2322: /);
  });

  it('is what npm start and npm run dev run before the server', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(manifest.scripts.start, 'node scripts/build-if-changed.mjs && node bin/monban.js serve');
    assert.equal(manifest.scripts.dev, 'node scripts/build-if-changed.mjs && node bin/monban.js serve --dev');
  });
});
