import type { Config, ResolvedConfig } from './config.js';
import type { Logger } from './log.js';
import type { Output } from './output.js';
import type { Progress } from './progress.js';

/**
 * Everything ambient a command needs, passed in (never read from globals): the resolved
 * configuration, the logger, stdout, the clock and a signal that fires on SIGINT / SIGTERM.
 */
export interface Ctx {
  config: Config;
  /** The configuration with the source of each value (for `fraudctl config`). */
  resolved: ResolvedConfig;
  log: Logger;
  out: Output;
  now: () => Date;
  /** Aborted on SIGINT / SIGTERM; `signal.reason` is 'SIGINT' or 'SIGTERM'. */
  signal: AbortSignal;
  /** Values to keep out of every message (secrets). */
  secrets: readonly string[];
  /** The process environment facts a command may record (user, Airflow context), resolved by main. */
  runEnv: { user: string; airflow: Record<string, string>; isJob: boolean; cwd: string };
  progress(total: number, title: string): Progress;
}
