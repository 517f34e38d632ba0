#!/usr/bin/env node
// Copies the README's three screenshots from the browser tests' output (test-output/screenshots/, written by
// test/browser/guide.test.ts and account.test.ts on every run) to docs/. Run the browser tests first:
//   npm run build && CI=true node scripts/run-tests.mjs browser/ && node scripts/readme-screenshots.mjs
import { copyFileSync, existsSync } from 'node:fs';

const PICTURES = {
  'docs/guide.png': 'test-output/screenshots/guide-step3.png',
  'docs/consent.png': 'test-output/screenshots/consent-phone.png',
  'docs/applications.png': 'test-output/screenshots/authorized-applications-main.png',
};

for (const [target, source] of Object.entries(PICTURES)) {
  if (!existsSync(source)) {
    console.error(`${source} is missing: run the browser tests first (CI=true node scripts/run-tests.mjs browser/)`);
    process.exit(1);
  }
  copyFileSync(source, target);
  console.log(`${source} -> ${target}`);
}
