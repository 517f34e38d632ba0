#!/usr/bin/env node
// The compiled CLI: npm ci builds it (the `prepare` script), npm start and npm run dev rebuild what changed, and
// npm run build does so on demand. Before any build there is nothing to run: say how to make it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('monban: not built yet (no dist/src/cli/main.js); run npm ci, or npm run build\n');
  process.exit(1);
}
await import(main.href);
