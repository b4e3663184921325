import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM } from './fixture.js';
import { FAULT_SEED, killNine, lakeDigest, printTable, refusedWrite, runBin, tmpfsLake, unmount, type Row } from './harness.js';

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
const killCase = (name: string, args: string[], opts: { empty?: boolean; dataset: string }) =>
  killNine(rows, name, N, {
    fresh: () => lakeCopy(opts.empty),
    run: (l, killAfterMs) => runBin([...args, '--lake', l.lake], { cwd: l.dir, killAfterMs }),
    digest: async (lake) => lakeDigest(lake, opts.dataset),
  });

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
      await refusedWrite(rows, name, 'disk full', lake, () => runBin([...args, '--lake', lake], { cwd: root }));
    }, 60_000);

    it(`${name}: a read-only lake is exit 2 naming the path; the lake is unchanged`, async () => {
      const { lake } = tmpfsCopy({ readOnly: true, empty });
      await refusedWrite(rows, name, 'read-only lake', lake, () => runBin([...args, '--lake', lake], { cwd: root }));
    }, 60_000);
  }
});
