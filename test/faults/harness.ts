import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, sqlString } from '../../src/lake/db.js';

/** The built binary: faults are injected into real processes (kill -9 cannot be simulated in-process). */
export const BIN = fileURLToPath(new URL('../../bin/fraudctl', import.meta.url));

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/** Runs fraudctl; with `killAfterMs`, sends SIGKILL that long after the start (if still running). */
export function runBin(args: string[], o: { cwd: string; env?: Record<string, string>; killAfterMs?: number }): Promise<Outcome> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: { ...process.env, CI: '1', FRAUDCTL_LOG_LEVEL: 'warn', FRAUDCTL_THREADS: '1', ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = o.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
  return new Promise((done) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr, ms: Date.now() - t0 });
    }),
  );
}

/** Every file under `root` (relative path → size), dot-temporaries included: leftovers count. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  try {
    walk(root);
  } catch {
    /* no lake yet */
  }
  return out.sort();
}

/** sha256 of every published partition (data.parquet), by path: "the same bytes". */
export function lakeDigest(root: string, under = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(root)) if (f.startsWith(under) && f.endsWith('data.parquet')) out[f] = createHash('sha256').update(readFileSync(join(root, f))).digest('hex');
  return out;
}

/** Partitions DuckDB cannot read (should be none, whatever moment the writer died). */
export async function unreadable(root: string): Promise<string[]> {
  const db = await openDb({ threads: 1 });
  const bad: string[] = [];
  try {
    for (const f of listFiles(root).filter((x) => x.endsWith('data.parquet'))) {
      if (statSync(join(root, f)).size === 0) bad.push(f);
      else await db.all(`SELECT count(*) FROM read_parquet(${sqlString(join(root, f))})`).catch(() => bad.push(f));
    }
  } finally {
    db.close();
  }
  return bad;
}

export const temporaries = (root: string) => listFiles(root).filter((f) => /(^|\/)\.[^/]+\.tmp$/.test(f));

/** A small tmpfs (root only): the real ENOSPC and EROFS of a full or read-only mount. */
export function mountTmpfs(dir: string, size: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`the fault suite mounts a tmpfs to get a real "no space left on device" and a read-only mount; run it as root (CI does): ${(e as Error).message}`);
  }
}
export const remountReadOnly = (dir: string) => execFileSync('mount', ['-o', 'remount,ro', dir]);
export const unmount = (dir: string) => execFileSync('umount', ['-l', dir], { stdio: 'ignore' });

export interface Row {
  case: string;
  runs: number;
  survived: number;
  dataLost: number;
}

export function printTable(rows: Row[]): string {
  const head = ['case', 'runs', 'survived', 'data lost'];
  const body = rows.map((r) => [r.case, String(r.runs), String(r.survived), String(r.dataLost)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
