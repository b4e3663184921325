import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveConfig } from '../../src/config.js';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { resolveSimParams } from '../../src/sim/params.js';
import { simulateToLake } from '../../src/sim/simulateToLake.js';

/**
 * A core called as a library: a simulated 12-day lake, DuckDB, an embedded tracking store and every
 * ambient input passed in (silent log, fixed clock, no progress, no argv, no Ctx, no stdout).
 */
export function coreFixture(prefix: string, seed: number) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const lake = new LocalLake(join(dir, 'lake'), dir);
  const log = createLogger({ level: 'silent', stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  const config = resolveConfig({ flags: {}, env: {}, cwd: dir }).config;
  const f = {
    dir,
    lake,
    log,
    config,
    db: undefined as unknown as Db,
    tracker: undefined as unknown as FileStore,
    deps: (signal = new AbortController().signal) => ({
      lake,
      db: f.db,
      tracker: f.tracker,
      log,
      now: () => new Date('2025-06-01T00:00:00Z'),
      signal,
      progress: () => ({ tick: () => undefined, done: () => undefined }),
      runEnv: { user: 'test', airflow: {}, isJob: true },
    }),
    async setUp() {
      await simulateToLake(resolveSimParams({ start: '2025-01-01', days: 12, customers: 500, terminals: 1000, seed }), { lake, log });
      f.db = await openDb({ threads: 1 });
      f.tracker = await FileStore.open(join(dir, 'mlruns'), { cwd: dir, log, secrets: [] });
    },
    tearDown() {
      f.db?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}
