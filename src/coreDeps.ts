import type { Ctx } from './context.js';
import type { Logger } from './log.js';
import type { Progress } from './progress.js';

/** The ambient inputs a core receives (never the whole Ctx, never the Config, never stdout). */
export interface CoreDeps {
  log: Logger;
  now: () => Date;
  /** Aborted on SIGINT / SIGTERM. */
  signal: AbortSignal;
  progress(total: number, title: string): Progress;
  /** Facts recorded in MLflow tags: user, Airflow context, whether this runs as a job. */
  runEnv: { user: string; airflow: Record<string, string>; isJob: boolean };
}

export function coreDeps(ctx: Ctx): CoreDeps {
  return { log: ctx.log, now: ctx.now, signal: ctx.signal, progress: ctx.progress, runEnv: ctx.runEnv };
}
