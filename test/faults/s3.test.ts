import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';
import { cutProxy, type CutProxy } from './cutProxy.js';
import { lakeWithModel } from './fixture.js';
import { killNine, lakeDigest, printTable, rand, runBin, scoresDigest, unreadable, type Row } from './harness.js';

// lake sync (local and S3) under kill -9, and S3 going away in the middle of lake sync and of a
// daily run on an S3 lake: moto behind a TCP proxy that is cut (connections reset, port closed)
// and restored, so what the bucket holds after the cut can be read back and compared.
const N = Number(process.env.FRAUDCTL_FAULT_RUNS ?? 2);
const root = mkdtempSync(join(tmpdir(), 'fraudctl-faults-s3-'));
const rows: Row[] = [];
let fx: Awaited<ReturnType<typeof lakeWithModel>>;
let s3: S3ServerHandle;
let proxy: CutProxy;
let client: S3Client;
let runNo = 0;

beforeAll(async () => {
  [fx, s3] = await Promise.all([lakeWithModel(root), startS3Server(['lake'])]);
  proxy = await cutProxy(s3.endpoint);
  client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
}, 240_000);
afterAll(async () => {
  client?.destroy();
  await proxy?.close();
  await s3?.close();
  rmSync(root, { recursive: true, force: true });
  console.log(`\nfault injection, lake sync and S3 (N=${N}):\n${printTable(rows)}\n`);
});

const direct = () => ({ ...s3.env, FRAUDCTL_S3_MODE: 'sync' });
const viaProxy = () => ({ ...direct(), ...fx.env, FRAUDCTL_S3_ENDPOINT: proxy.endpoint });
const source = () => join(fx.base, 'lake');

/** A fresh working directory and S3 prefix; `lake` is where the prefix is read back to. */
function fresh(): { dir: string; lake: string; uri: string } {
  const dir = join(root, `s3run${runNo}`);
  mkdirSync(dir);
  return { dir, lake: join(dir, 'pulled'), uri: `s3://lake/r${runNo++}` };
}
const uriOf = new Map<string, string>();
const freshRun = () => {
  const f = fresh();
  uriOf.set(f.dir, f.uri);
  return f;
};

/** Keys under the prefix that are neither a partition nor a lock: leftovers (should be none). */
async function strayKeys(uri: string): Promise<string[]> {
  const prefix = `${uri.replace('s3://lake/', '')}/`;
  const out = await client.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).filter((k) => !/^[a-z/_]+\/date=\d{4}-\d{2}-\d{2}\/data\.parquet$/.test(k) && !k.startsWith('_locks/'));
}

/** The prefix read back into `into` (over the direct endpoint): the digest of what S3 holds, every file checked readable. */
async function pulled(uri: string, into: string, dir: string): Promise<Record<string, string>> {
  rmSync(into, { recursive: true, force: true });
  const r = await runBin(['lake', 'sync', '--from', uri, '--to', into], { cwd: dir, env: direct() });
  expect(r.code, r.stderr).toBe(0);
  expect({ unreadable: await unreadable(into), stray: await strayKeys(uri) }).toEqual({ unreadable: [], stray: [] });
  return lakeDigest(into);
}

describe('kill -9 at random moments of lake sync, then a rerun', () => {
  it('local → local', () =>
    killNine(rows, 'lake sync (local)', N, {
      fresh: () => {
        const f = fresh();
        return { dir: f.dir, lake: join(f.dir, 'to') };
      },
      run: (l, killAfterMs) => runBin(['lake', 'sync', '--from', source(), '--to', l.lake], { cwd: l.dir, killAfterMs }),
      digest: async (lake) => lakeDigest(lake),
    }), 300_000);

  it('local → S3', () =>
    killNine(rows, 'lake sync (S3)', N, {
      fresh: freshRun,
      run: (l, killAfterMs) => runBin(['lake', 'sync', '--from', source(), '--to', uriOf.get(l.dir)!], { cwd: l.dir, env: direct(), killAfterMs }),
      digest: (lake) => pulled(uriOf.get(join(lake, '..'))!, lake, join(lake, '..')),
    }), 300_000);
});

/**
 * Runs `args` through the proxy and cuts S3 at a seeded random moment of an undisturbed run's
 * duration: exit 4 (or 0 when it finished first), what S3 holds is whole (each partition it has
 * equals the reference), and after the restore the rerun exits 0 and S3 holds the reference.
 */
async function s3Gone(name: string, runs: number, prepare: (uri: string, dir: string) => Promise<void>, args: (uri: string) => string[], digest: (uri: string, dir: string) => Promise<Record<string, string>>) {
  const ref = fresh();
  await prepare(ref.uri, ref.dir);
  const clean = await runBin(args(ref.uri), { cwd: ref.dir, env: viaProxy() });
  expect(clean.code, clean.stderr).toBe(0);
  const want = await digest(ref.uri, ref.dir);
  const row: Row = { case: `S3 gone during ${name}`, runs: 0, survived: 0, dataLost: 0 };
  rows.push(row);
  let interrupted = 0;
  // `runs` seeded cuts; if every one came after the run had ended (a loaded machine makes the
  // undisturbed run slower than the cut ones), up to 3 more runs cut earlier each time.
  for (let i = 0; i < runs || (interrupted === 0 && i < runs + 3); i++) {
    const f = fresh();
    await prepare(f.uri, f.dir);
    const running = runBin(args(f.uri), { cwd: f.dir, env: viaProxy() });
    // Within the first 80 % of an undisturbed run, so that the cut lands in the work.
    const at = i < runs ? 100 + rand() * 0.8 * clean.ms : 100 + (0.4 * clean.ms) / 2 ** (i - runs);
    const timer = setTimeout(() => void proxy.cut(), Math.round(at));
    const cutRun = await running;
    clearTimeout(timer);
    await proxy.cut();
    row.runs++;
    const held = await digest(f.uri, f.dir);
    const partial = Object.keys(held).filter((k) => want[k] !== undefined && held[k] !== want[k]);
    await proxy.restore();
    const again = await runBin(args(f.uri), { cwd: f.dir, env: viaProxy() });
    const got = await digest(f.uri, f.dir);
    const lost = Object.keys(want).filter((k) => got[k] !== want[k]).length;
    row.dataLost += lost + partial.length;
    const ok = (cutRun.code === 4 || cutRun.code === 0) && partial.length === 0 && again.code === 0 && lost === 0;
    if (ok) row.survived++;
    if (cutRun.code === 4) interrupted++;
    if (cutRun.code === 4) expect(cutRun.stderr).toMatch(/^fraudctl: .*(S3|s3:\/\/)/m);
    expect({ exit: [0, 4].includes(cutRun.code ?? -1) ? 'ok' : cutRun.code, partial, rerun: again.code, lost }, `${cutRun.stderr}\n${again.stderr}`).toEqual({ exit: 'ok', partial: [], rerun: 0, lost: 0 });
  }
  row.case += ` (${interrupted} of ${runs} cut mid-run: exit 4)`;
  // A suite whose cuts all came after the end would test nothing.
  expect(interrupted).toBeGreaterThan(0);
}

describe('S3 going away mid-run, then back', () => {
  it('lake sync local → S3', () =>
    s3Gone('lake sync', Math.min(N, 2), async () => undefined, (uri) => ['lake', 'sync', '--from', source(), '--to', uri], (uri, dir) => pulled(uri, join(dir, 'pulled'), dir)), 300_000);

  it('daily on an S3 lake', () =>
    s3Gone(
      'daily (S3 lake)',
      Math.min(N, 2),
      async (uri, dir) => {
        const r = await runBin(['lake', 'sync', '--from', source(), '--to', uri], { cwd: dir, env: direct() });
        expect(r.code, r.stderr).toBe(0);
      },
      (uri) => ['daily', '--date', '2025-01-10', '--model', 'models:/m/1', '--allow-partial-history', '--lake', uri],
      async (uri, dir) => {
        const local = join(dir, 'pulled');
        const parts = await pulled(uri, local, dir);
        // Scores carry scored_at: compared by their rows; every other partition by its bytes.
        const bytes = Object.fromEntries(Object.entries(parts).filter(([k]) => !k.startsWith('scores/')));
        return { ...bytes, ...Object.fromEntries(Object.entries(await scoresDigest(local)).map(([k, v]) => [`${k}#rows`, v])) };
      },
    ), 300_000);
});
