#!/usr/bin/env node
// The compiled CLI (npm ci runs the build through the `prepare` script).
import '../dist/src/cli/main.js';
