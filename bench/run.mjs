#!/usr/bin/env node
// npm run bench [-- NAME…]: runs bench/<NAME>.mjs one after another (all when no name is given).
// Each benchmark builds on dist/, so the project is compiled first. Figures are printed, not asserted.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_')).map((f) => f.slice(0, -4)).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: join(here, '..') });
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench/${name} ===`);
  execFileSync(process.execPath, [join(here, `${name}.mjs`)], { stdio: 'inherit' });
}
