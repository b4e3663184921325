import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openDb, sqlString } from '../../src/lake/db.js';

/** The built binary: faults are injected into real processes (kill -9 cannot be simulated in-process). */
export const BIN = fileURLToPath(new URL('../../bin/fraudctl', import.meta.url));

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/**
 * Runs fraudctl; with `killAfterMs`, sends SIGKILL that long after the start (if still running);
 * with `signalOn`, sends that signal once stderr shows the text (a log line of the moment wanted).
 */
export function runBin(
  args: string[],
  o: { cwd: string; env?: Record<string, string>; killAfterMs?: number; signalOn?: { text: RegExp; signal: NodeJS.Signals }; onStderr?: (text: string) => void },
): Promise<Outcome & { signalled: boolean }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd, env: { ...process.env, CI: '1', FRAUDCTL_LOG_LEVEL: 'warn', FRAUDCTL_THREADS: '1', ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (o.signalOn && !signalled && o.signalOn.text.test(stderr)) signalled = child.kill(o.signalOn.signal);
    o.onStderr?.(stderr);
  });
  const timer = o.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
  return new Promise((done) =>
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stderr, ms: Date.now() - t0, signalled });
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
  // Window states (features/…/_state) are the incremental builder's cache, unordered and rebuilt when missing: not data.
  for (const f of listFiles(root)) if (f.startsWith(under) && f.endsWith('data.parquet') && !f.includes('/_state/')) out[f] = createHash('sha256').update(readFileSync(join(root, f))).digest('hex');
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

/** The random moments of the kill -9 cases: seeded, so a failing moment can be replayed. */
export const FAULT_SEED = Number(process.env.FRAUDCTL_FAULT_SEED ?? 20251201);
let seed = FAULT_SEED;
export const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

let mountNo = 0;
/**
 * A 16 MB tmpfs under `root` holding a copy of the lake `from` (an empty lake without it); `fill`
 * leaves it with no free space, `readOnly` remounts it read-only. Push `dir` to the caller's mounts.
 */
export function tmpfsLake(root: string, o: { from?: string; fill?: boolean; readOnly?: boolean }): { dir: string; lake: string } {
  const dir = join(root, `mnt${mountNo++}`);
  mkdirSync(dir);
  mountTmpfs(dir, '16m');
  if (o.from) cpSync(o.from, join(dir, 'lake'), { recursive: true });
  else mkdirSync(join(dir, 'lake'));
  if (o.fill) {
    try {
      for (let i = 0; ; i++) writeFileSync(join(dir, `filler${i}`), Buffer.alloc(1 << 20));
    } catch {
      /* full */
    }
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(dir, `crumb${i}`), Buffer.alloc(4096));
      } catch {
        break;
      }
    }
  }
  if (o.readOnly) remountReadOnly(dir);
  return { dir, lake: join(dir, 'lake') };
}

/**
 * A digest of every scores partition's rows without `scored_at` (the one column that differs
 * between two runs by design): the same scores, flags, model and rows, byte for byte as text.
 */
export async function scoresDigest(root: string): Promise<Record<string, string>> {
  const db = await openDb({ threads: 1 });
  const out: Record<string, string> = {};
  try {
    for (const f of listFiles(root).filter((x) => x.startsWith('scores/') && x.endsWith('data.parquet'))) {
      const rows = await db.all(`SELECT * EXCLUDE (scored_at) FROM read_parquet(${sqlString(join(root, f))}) ORDER BY transaction_id`);
      out[f] = createHash('sha256').update(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).digest('hex');
    }
  } finally {
    db.close();
  }
  return out;
}

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

/**
 * A writing command on a full (exit 4) or read-only (exit 2) lake: one line naming the path, no
 * stack, published partitions unchanged and readable, no temporaries. Adds its row to `rows`.
 */
export async function refusedWrite(rows: Row[], name: string, kind: 'disk full' | 'read-only lake', lake: string, run: () => Promise<Outcome>): Promise<void> {
  const before = lakeDigest(lake);
  const r = await run();
  const after = lakeDigest(lake);
  const row: Row = { case: `${kind}: ${name}`, runs: 1, survived: 0, dataLost: Object.keys(before).filter((k) => after[k] !== before[k]).length };
  rows.push(row);
  const bad = await unreadable(lake);
  const want = kind === 'disk full' ? 4 : 2;
  if (r.code === want && bad.length === 0 && row.dataLost === 0) row.survived = 1;
  expect(r.code, r.stderr).toBe(want);
  expect(r.stderr).toMatch(kind === 'disk full' ? /^fraudctl: no space left on device at \//m : /read-only file system|not writable: EROFS/);
  expect(r.stderr).toContain(kind === 'disk full' ? '/' : lake);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  // No lock left behind either (an empty lock file of a failed write would block every later run).
  const locks = listFiles(lake).filter((f) => f.startsWith('_locks/'));
  expect({ bad, lost: row.dataLost, temps: temporaries(lake), locks }).toEqual({ bad: [], lost: 0, temps: [], locks: [] });
}

/**
 * kill -9 at a seeded random moment of `run`, `n` times, each on a fresh lake from `fresh()`; then
 * the rerun must exit 0 with no unreadable partition, no temporaries, and `digest` equal to that of
 * an undisturbed run. Adds the row to `rows`.
 */
export async function killNine(
  rows: Row[],
  name: string,
  n: number,
  o: { fresh: () => { dir: string; lake: string }; run: (l: { dir: string; lake: string }, killAfterMs?: number) => Promise<Outcome>; digest: (lake: string) => Promise<Record<string, string>> },
): Promise<void> {
  const ref = o.fresh();
  const clean = await o.run(ref);
  expect(clean.code, clean.stderr).toBe(0);
  const want = await o.digest(ref.lake);
  expect(Object.keys(want).length).toBeGreaterThan(0);
  const row: Row = { case: `kill -9 during ${name}`, runs: 0, survived: 0, dataLost: 0 };
  rows.push(row);
  for (let i = 0; i < n; i++) {
    const l = o.fresh();
    const killed = await o.run(l, Math.round(200 + rand() * clean.ms));
    row.runs++;
    const bad = await unreadable(l.lake);
    const again = await o.run(l);
    const got = await o.digest(l.lake);
    const lost = Object.keys(want).filter((k) => got[k] !== want[k]).length;
    row.dataLost += lost;
    const temps = temporaries(l.lake);
    if (bad.length === 0 && again.code === 0 && lost === 0 && temps.length === 0) row.survived++;
    expect({ killedBy: killed.signal ?? 'finished', bad, rerun: again.code, lost, temps }, again.stderr).toEqual({ killedBy: killed.signal ?? 'finished', bad: [], rerun: 0, lost: 0, temps: [] });
  }
}
