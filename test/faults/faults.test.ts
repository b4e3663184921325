import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM } from './fixture.js';
import { FAULT_SEED, lakeDigest, printTable, rand, runBin, temporaries, tmpfsLake, unmount, unreadable, type Row } from './harness.js';

// Fault injection against the built binary: kill -9 at random moments, a full disk and a read-only
// mount (real tmpfs mounts, so the kernel's own ENOSPC / EROFS). Every case checks what a person
// would: all partitions readable, the rerun exits 0 and publishes the same bytes as an undisturbed
// run, no temporaries left. N and the data are small so the file stays near a minute on 2 cores.
const N = Number(process.env.FRAUDCTL_FAULT_RUNS ?? 3);

const root = mkdtempSync(join(tmpdir(), 'fraudctl-faults-'));
const base = join(root, 'base');
const rawFile = join(root, 'dump.txt');
const rows: Row[] = [];
const mounts: string[] = [];
const MARTS = ['marts', 'build', '--from', '2025-01-01', '--to', '2025-01-10', '--allow-partial-history'];
const INGEST = ['ingest', rawFile, '--time-origin', '2025-01-01'];

beforeAll(async () => {
  const a = await runBin(['simulate', ...SIM, '--lake', base], { cwd: root });
  const b = await runBin(['simulate', ...SIM, '--format', 'raw', '--out', rawFile], { cwd: root });
  expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, '']);
}, 120_000);
afterAll(() => {
  for (const m of mounts) unmount(m);
  rmSync(root, { recursive: true, force: true });
  console.log(`\nfault injection (seed ${FAULT_SEED}, N=${N}):\n${printTable(rows)}\n`);
});

let fresh = 0;
/** A copy of the simulated lake (or an empty one), in its own directory. */
function lakeCopy(empty = false): { dir: string; lake: string } {
  const dir = join(root, `run${fresh++}`);
  mkdirSync(dir);
  if (!empty) cpSync(base, join(dir, 'lake'), { recursive: true });
  return { dir, lake: join(dir, 'lake') };
}

/** kill -9 at a random moment of `args`, N times; then a rerun, compared with an undisturbed run. */
async function killCase(name: string, args: string[], opts: { empty?: boolean; dataset: string }) {
  const ref = lakeCopy(opts.empty);
  const clean = await runBin([...args, '--lake', ref.lake], { cwd: ref.dir });
  expect(clean.code, clean.stderr).toBe(0);
  const want = lakeDigest(ref.lake, opts.dataset);
  expect(Object.keys(want).length).toBeGreaterThan(0);
  const row: Row = { case: `kill -9 during ${name}`, runs: 0, survived: 0, dataLost: 0 };
  rows.push(row);
  for (let i = 0; i < N; i++) {
    const run = lakeCopy(opts.empty);
    const killed = await runBin([...args, '--lake', run.lake], { cwd: run.dir, killAfterMs: Math.round(300 + rand() * clean.ms) });
    row.runs++;
    const bad = await unreadable(run.lake);
    const again = await runBin([...args, '--lake', run.lake], { cwd: run.dir });
    const got = lakeDigest(run.lake, opts.dataset);
    const lost = Object.keys(want).filter((k) => got[k] !== want[k]).length;
    row.dataLost += lost;
    const ok = bad.length === 0 && again.code === 0 && lost === 0 && temporaries(run.lake).length === 0;
    if (ok) row.survived++;
    expect({ killedBy: killed.signal ?? 'finished', bad, rerun: again.code, lost, temps: temporaries(run.lake) }).toEqual({ killedBy: killed.signal ?? 'finished', bad: [], rerun: 0, lost: 0, temps: [] });
  }
}

describe('kill -9 at random moments, then a rerun', () => {
  it('marts build', () => killCase('marts build', MARTS, { dataset: 'features/' }), 240_000);
  it('ingest', () => killCase('ingest', INGEST, { empty: true, dataset: 'transactions/' }), 240_000);
});

/** A tmpfs holding a copy of the simulated lake (an empty lake with `empty`). */
function tmpfsCopy(o: { fill?: boolean; readOnly?: boolean; empty?: boolean }) {
  const t = tmpfsLake(root, { from: o.empty ? undefined : base, fill: o.fill, readOnly: o.readOnly });
  mounts.push(t.dir);
  return t;
}

const WRITERS: [string, string[], boolean][] = [
  ['simulate', ['simulate', ...SIM.slice(0, 4), '--customers', '300', '--terminals', '200'], true],
  ['marts build', [...MARTS, '--overwrite'], false],
  ['ingest', INGEST, true],
];

describe('a full disk and a read-only mount, for each writing command', () => {
  for (const [name, args, empty] of WRITERS) {
    it(`${name}: disk full is exit 4 naming the path; nothing half-written is visible`, async () => {
      const { lake } = tmpfsCopy({ fill: true, empty });
      const before = lakeDigest(lake);
      const r = await runBin([...args, '--lake', lake], { cwd: root });
      const row: Row = { case: `disk full: ${name}`, runs: 1, survived: 0, dataLost: 0 };
      rows.push(row);
      const after = lakeDigest(lake);
      row.dataLost = Object.keys(before).filter((k) => after[k] !== before[k]).length;
      const bad = await unreadable(lake);
      if (r.code === 4 && bad.length === 0 && row.dataLost === 0) row.survived = 1;
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/^fraudctl: no space left on device at \//m);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
      expect({ bad, lost: row.dataLost, temps: temporaries(lake) }).toEqual({ bad: [], lost: 0, temps: [] });
    }, 60_000);

    it(`${name}: a read-only lake is exit 2 naming the path; the lake is unchanged`, async () => {
      const { lake } = tmpfsCopy({ readOnly: true, empty });
      const before = lakeDigest(lake);
      const r = await runBin([...args, '--lake', lake], { cwd: root });
      const row: Row = { case: `read-only lake: ${name}`, runs: 1, survived: 0, dataLost: 0 };
      rows.push(row);
      const after = lakeDigest(lake);
      row.dataLost = Object.keys(before).filter((k) => after[k] !== before[k]).length;
      if (r.code === 2 && row.dataLost === 0) row.survived = 1;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/read-only file system|not writable: EROFS/);
      expect(r.stderr).toContain(lake);
    }, 60_000);
  }
});
