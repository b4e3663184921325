import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `fraudctl --help` must not load native code (DuckDB) or the AWS SDK: it runs the built binary's
// main() and lists the modules it loaded.
const distMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('start-up', () => {
  it('--help and a bad flag load neither DuckDB nor the AWS SDK', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(distMain)});
      const sink = { write: () => true };
      const a = await main(['--help'], { env: {}, stdout: sink, stderr: sink });
      const b = await main(['train', '--days', 'x'], { env: {}, stdout: sink, stderr: sink });
      const cache = Object.keys(createRequire(import.meta.url)('module')._cache);
      console.log(JSON.stringify({ a, b, heavy: cache.filter((k) => /duckdb|aws-sdk|smithy/.test(k)).length }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString()) as { a: number; b: number; heavy: number };
    expect(out).toEqual({ a: 0, b: 2, heavy: 0 });
  });

  it('the same check catches a loaded module (the probe works)', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { openDb } = await import(${JSON.stringify(fileURLToPath(new URL('../dist/lake/db.js', import.meta.url)))});
      (await openDb()).close();
      console.log(Object.keys(createRequire(import.meta.url)('module')._cache).filter((k) => /duckdb/.test(k)).length);
    `;
    expect(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString())).toBeGreaterThan(0);
  });
});
