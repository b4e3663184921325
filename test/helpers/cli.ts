import { PassThrough } from 'node:stream';
import { main } from '../../src/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed last stdout line, when --json was given. */
  json?: Record<string, unknown>;
}

function collect(isTTY = false) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = isTTY;
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return { stream: s, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs the whole CLI in-process, as `fraudctl ...argv` would, with its own env and cwd. */
export async function runCli(argv: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; signal?: AbortSignal } = {}): Promise<CliResult> {
  const out = collect();
  const err = collect();
  const code = await main(argv, { env: { CI: 'true', ...(opts.env ?? {}) }, stdout: out.stream, stderr: err.stream, cwd: opts.cwd, signal: opts.signal });
  await new Promise((r) => setImmediate(r));
  const stdout = out.text();
  const last = stdout.trimEnd().split('\n').pop() ?? '';
  let json: Record<string, unknown> | undefined;
  if (argv.includes('--json')) {
    try {
      json = JSON.parse(last) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return { code, stdout, stderr: err.text(), json };
}
