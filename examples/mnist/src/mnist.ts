#!/usr/bin/env node
// The demo's command: `pnpm demo -- --help` lists the options.
import { fileURLToPath } from 'node:url';
import { runDemo } from './main.js';

// Built to examples/dist/mnist.js; the default output is examples/mnist/out/.
const defaultOut = fileURLToPath(new URL('../mnist/out/', import.meta.url));
const result = await runDemo(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: process.stderr }, defaultOut);
process.exitCode = result.code;
