import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeWithModel } from './fixture.js';
import { killNine, lakeDigest, printTable, refusedWrite, runBin, scoresDigest, temporaries, tmpfsLake, unmount, type Row } from './harness.js';

// score and daily under faults, against the built binary: a signal after the model loaded, kill -9
// at random moments (N times each), a full disk and a read-only lake (real tmpfs mounts). The
// scores partitions carry `scored_at`, so "the same bytes" is checked on every other column.
const N = Number(process.env.FRAUDCTL_FAULT_RUNS ?? 2);
const root = mkdtempSync(join(tmpdir(), 'fraudctl-faults-score-'));
const rows: Row[] = [];
const mounts: string[] = [];
let fx: Awaited<ReturnType<typeof lakeWithModel>>;

const SCORE = ['score', '--date', '2025-01-09', '--model', 'models:/m/1', '--allow-partial-history'];
const DAILY = ['daily', '--date', '2025-01-10', '--model', 'models:/m/1', '--allow-partial-history'];

beforeAll(async () => {
  fx = await lakeWithModel(root);
}, 240_000);
afterAll(() => {
  for (const m of mounts) unmount(m);
  rmSync(root, { recursive: true, force: true });
  console.log(`\nfault injection, score and daily (N=${N}):\n${printTable(rows)}\n`);
});

describe('a signal during score, after the model loaded', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal}: exit ${code}, no scores partition and no --out file`, async () => {
      const run = fx.copy();
      const out = join(run.dir, 'scores.csv');
      const r = await runBin([...SCORE, '--lake', run.lake, '--out', out], { cwd: run.dir, env: { ...fx.env, FRAUDCTL_LOG_LEVEL: 'info' }, signalOn: { text: /"msg":"model loaded"/, signal } });
      expect(r.signalled).toBe(true);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toContain(`interrupted by ${signal}`);
      expect({ partition: existsSync(join(run.lake, 'scores/date=2025-01-09/data.parquet')), out: existsSync(out), temps: temporaries(run.lake) }).toEqual({ partition: false, out: false, temps: [] });
    }, 60_000);
  }
});

describe('a corrupt partition under score', () => {
  it('a truncated mart: exit 3 naming the file; the hint is the command that rebuilds it, and it does', async () => {
    const run = fx.copy();
    const mart = join(run.lake, 'features/terminal/date=2025-01-07/data.parquet');
    writeFileSync(mart, readFileSync(mart).subarray(0, 64));
    const args = ['score', '--date', '2025-01-08', '--model', 'models:/m/1', '--lake', run.lake];
    const r = await runBin(args, { cwd: run.dir, env: fx.env });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`fraudctl: unreadable partition ${mart}`);
    const hint = /^hint: rebuild that mart: (fraudctl marts build --date 2025-01-07 --overwrite)$/m.exec(r.stderr);
    expect(hint, r.stderr).not.toBeNull();
    const rebuilt = await runBin([...hint![1].split(' ').slice(1), '--allow-partial-history', '--lake', run.lake], { cwd: run.dir });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect((await runBin(args, { cwd: run.dir, env: fx.env })).code).toBe(0);
  }, 60_000);
});

/** The scores (all columns but scored_at) and the marts a run wrote: what a rerun must reproduce. */
const written = async (lake: string) => ({ ...(await scoresDigest(lake)), ...lakeDigest(lake, 'features/') });

describe('kill -9 at random moments, then a rerun', () => {
  for (const [name, args] of [['score', SCORE], ['daily', DAILY]] as const) {
    it(name, () =>
      killNine(rows, name, N, {
        fresh: () => fx.copy(),
        run: (l, killAfterMs) => runBin([...args, '--lake', l.lake], { cwd: l.dir, env: fx.env, killAfterMs }),
        digest: written,
      }), 300_000);
  }
});

describe('a full disk and a read-only lake', () => {
  for (const [name, args] of [['score', SCORE], ['daily', DAILY]] as const) {
    for (const kind of ['disk full', 'read-only lake'] as const) {
      it(`${name}, ${kind}: exit ${kind === 'disk full' ? 4 : 2} naming the path; the lake unchanged`, async () => {
        const t = tmpfsLake(root, { from: `${fx.base}/lake`, fill: kind === 'disk full', readOnly: kind === 'read-only lake' });
        mounts.push(t.dir);
        await refusedWrite(rows, name, kind, t.lake, () => runBin([...args, '--lake', t.lake], { cwd: root, env: fx.env }));
      }, 60_000);
    }
  }
});
