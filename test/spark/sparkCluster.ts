import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = resolve(import.meta.dirname, '..', '..', 'scripts', 'spark-local.sh');

export interface SparkCluster {
  remote: string;
  state: string;
  /** Seconds the start took (master, two workers, the Connect server). */
  startSeconds: number;
  stop(): Promise<void>;
}

/**
 * A real local Spark (scripts/spark-local.sh start): one per test file. A missing venv or Java
 * fails the suite with the script's message; it never skips.
 */
export async function startSparkCluster(): Promise<SparkCluster> {
  // A cluster already started by hand (eval "$(scripts/spark-local.sh start)") is used as it is
  // and left running; otherwise this file starts its own and stops it.
  const given = process.env.FRAUDCTL_SPARK_REMOTE;
  if (given) return { remote: given, state: '', startSeconds: 0, stop: async () => {} };
  const started = performance.now();
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start'], { timeout: 660_000, killSignal: 'SIGTERM', maxBuffer: 1 << 20 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/spark-local.sh start failed: ${err.stderr?.trim() || err.message}`);
  }
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  const remote = env.FRAUDCTL_SPARK_REMOTE;
  const state = env.FRAUDCTL_SPARK_STATE;
  if (!remote || !state) throw new Error(`scripts/spark-local.sh start printed no export lines: ${stdout}`);
  return {
    remote,
    state,
    startSeconds: (performance.now() - started) / 1000,
    stop: async () => {
      await run('bash', [script, 'stop', state], { timeout: 60_000 });
    },
  };
}
