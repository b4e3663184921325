import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';

// The README's configuration table is documentation of CONFIG_KEYS (src/config.ts), the one place
// a setting is defined: this keeps the two from drifting apart.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.split('\n## Configuration')[1].split('\n## ')[0];
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((l) => l.split('|').map((c) => c.trim()))
  .map(([, vars, , dflt]) => ({ vars: [...vars.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]), dflt: dflt.replace(/`/g, '') }));

describe('README configuration table', () => {
  it('names every environment variable of every setting', () => {
    // `MLFLOW_HTTP_REQUEST_TIMEOUT`, `_MAX_RETRIES`, …: a row may abbreviate the shared prefix.
    const named = rows.flatMap((r) => r.vars.map((v, i) => (v.startsWith('_') && i > 0 ? r.vars[0].replace(/_[A-Z]+$/, '') + v : v)));
    const missing = CONFIG_KEYS.flatMap((k) => k.env ?? []).filter((e) => !named.includes(e));
    expect(missing).toEqual([]);
  });

  it("states each setting's default as CONFIG_KEYS has it, where a row is one setting", () => {
    const checked: string[] = [];
    for (const k of CONFIG_KEYS) {
      if (k.default === undefined || !k.env || k.key === 'threads') continue; // threads: "cores"
      const row = rows.find((r) => r.vars[0] === k.env![0] && r.vars.length === k.env!.length);
      if (!row || row.dflt === '') continue;
      expect(row.dflt, k.key).toBe(String(k.default));
      checked.push(k.key);
    }
    expect(checked).toEqual(expect.arrayContaining(['lake', 'logLevel', 'delay', 'threshold', 'registeredModel', 'cacheDir', 's3Mode', 'engine', 'trackingUri']));
  });
});
