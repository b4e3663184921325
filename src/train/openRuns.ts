import type { Logger } from '../log.js';
import type { RunInfo, RunStatus, Tracker } from '../mlflow/tracker.js';

/**
 * The MLflow runs this process has open. Whatever happens — a crash, Ctrl-C, SIGTERM from Airflow —
 * `closeAll` ends them (children before the parent) so no run is left RUNNING.
 */
export class OpenRuns {
  private readonly open: string[] = [];

  constructor(
    private readonly tracker: Tracker,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  async start(opts: Parameters<Tracker['createRun']>[0]): Promise<RunInfo> {
    const run = await this.tracker.createRun(opts);
    this.open.push(run.runId);
    return run;
  }

  async end(runId: string, status: RunStatus): Promise<void> {
    await this.tracker.endRun(runId, status, this.now().getTime());
    this.open.splice(this.open.indexOf(runId), 1);
  }

  /** Ends every open run with `status`, newest first; failures are logged, not thrown. */
  async closeAll(status: RunStatus): Promise<void> {
    while (this.open.length > 0) {
      const runId = this.open.pop()!;
      try {
        await this.tracker.endRun(runId, status, this.now().getTime());
        this.log.warn({ runId, status }, 'run ended early');
      } catch (e) {
        this.log.error({ runId, err: (e as Error).message }, 'could not end run');
      }
    }
  }
}
