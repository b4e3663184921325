import type { Ctx } from '../context.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Tracker } from '../mlflow/tracker.js';
import type { Summary } from './types.js';

export interface PipelineDeps {
  lake: Lake;
  db: Db;
  tracker?: Tracker;
}

/** Opens the lake, a DuckDB session (and the MLflow tracker when asked) for a command, and closes them. */
export async function withPipeline<T extends Summary>(ctx: Ctx, want: { tracker?: boolean }, body: (deps: PipelineDeps) => Promise<T>): Promise<T> {
  const { openLake } = await import('../lake/openLake.js');
  const { openDb } = await import('../lake/db.js');
  const { LAKE_KEYS, MLFLOW_KEYS, pickSettings } = await import('../config.js');
  const lake = await openLake(pickSettings(ctx.config, LAKE_KEYS), ctx.log, ctx.runEnv.cwd);
  const db = await openDb({ threads: ctx.config.threads, extensionDir: ctx.config.duckdbExtensionDir });
  try {
    await lake.configureDb?.(db);
    let tracker: Tracker | undefined;
    if (want.tracker) {
      const { openTracker } = await import('../mlflow/openTracker.js');
      tracker = await openTracker(pickSettings(ctx.config, MLFLOW_KEYS), ctx.log, ctx.runEnv.cwd);
    }
    return await body({ lake, db, tracker });
  } finally {
    db.close();
  }
}
