import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { venvBin } from '../helpers/python.js';

/** A real `mlflow server` from the PyPI package in .venv/mlflow2 or .venv/mlflow3 (scripts/python/). */
export interface RealMlflow {
  url: string;
  /** The server's stderr so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

export type MlflowVenv = 'mlflow2' | 'mlflow3';

/** A port that was free a moment ago (mlflow takes a port number, not a listening socket). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `mlflow server` on 127.0.0.1 with the given store arguments and waits for /health.
 * One worker: the suites are small, and 2 cores are shared with the other suites.
 */
export async function startRealMlflow(venv: MlflowVenv, args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; port?: number } = {}): Promise<RealMlflow> {
  // A given port: a restart of a server at the same address (the fault suite's "MLflow is back").
  const port = opts.port ?? (await freePort());
  const mlflow = venvBin(venv, 'mlflow');
  const serverArgs = ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', ...args];
  const child: ChildProcess = spawn(mlflow, serverArgs, {
    cwd: opts.cwd,
    // Own process group: gunicorn/uvicorn workers die with the server.
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', MLFLOW_ENABLE_TELEMETRY: 'false', MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`mlflow server (${venv}) exited with ${exited}:\n${out.slice(-3000)}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`mlflow server (${venv}) did not answer /health in time:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    log: () => out,
    close: async () => {
      if (exited !== undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      await gone;
      clearTimeout(t);
    },
  };
}
