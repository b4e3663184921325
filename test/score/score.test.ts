import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFeatureRows } from '../../src/features/assemble.js';
import { FEATURE_NAMES } from '../../src/features/spec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { openDb } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { loadForest, trainForest } from '../../src/model/forest/index.js';
import { buildMlmodel, readModelDir, writeModelDir } from '../../src/mlflow/mlmodel.js';
import { runCli } from '../helpers/cli.js';
import { readParquet, rewritePartition } from '../helpers/lake.js';
import { copyScores, stageScores } from '../../src/score/writeScores.js';
import { FraudctlError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-score-'));
const lake = join(dir, 'lake');
const mlruns = join(dir, 'mlruns');
const DAY = '2025-02-14';
const base = ['--lake', lake, '--tracking-uri', mlruns];
const modelOut = join(dir, 'model');

beforeAll(async () => {
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '45', '--customers', '600', '--terminals', '1200', '--seed', '8', '--lake', lake]);
  expect(sim.code, sim.stderr).toBe(0);
  const tr = await runCli(['train', ...base, '--days', '3', '--gap', '1', '--test-day', '2025-02-13', '--max-evals', '2', '--trees', '10:20', '--depth', '4:6', '--threads', '1', '--out', modelOut]);
  expect(tr.code, tr.stderr).toBe(0);
}, 180_000);

describe('fraudctl score', () => {
  it('writes the model predictions for the joined rows of the day, and reports them', async () => {
    const r = await runCli(['score', ...base, '--date', DAY, '--top', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    expect(s.modelUri).toBe('models:/fraud-detector/1');
    const path = join(lake, 'scores', `date=${DAY}`, 'data.parquet');
    const written = await readParquet<{ transaction_id: bigint; fraud_score: number; flagged: boolean; model_version: string }>(path);
    expect(written.length).toBe(s.transactions);

    // Independently: the same joined rows through the same model file.
    const db = await openDb({ threads: 1 });
    const rows = await loadFeatureRows(db, new LocalLake(lake), DAY, presetSpec('handbook'));
    db.close();
    const { modelPath } = await readModelDir(modelOut);
    const model = await loadForest(modelPath, FEATURE_NAMES);
    const expected = model.predict(rows.columns, rows.n);
    const byId = new Map(written.map((w) => [w.transaction_id, w]));
    let flagged = 0;
    for (let i = 0; i < rows.n; i++) {
      const w = byId.get(rows.transactionId[i])!;
      expect(w.fraud_score).toBeCloseTo(expected[i], 12);
      expect(w.flagged).toBe(expected[i] >= 0.2);
      if (expected[i] >= 0.2) flagged += 1;
    }
    expect(s.flagged).toBe(flagged);
    expect(written.every((w) => w.model_version === '1')).toBe(true);
    expect((s.top as unknown[]).length).toBe(5);
    const top = s.top as { fraud_score: number }[];
    expect(top[0].fraud_score).toBe(Math.max(...expected));
    // The simulated day carries labels: monitoring metrics are reported.
    expect((s.monitoring as { roc_auc: number }).roc_auc).toBeGreaterThan(0.5);

    // Where the time went: every phase ran, none is negative, and together they are the command's
    // own seconds (less only the gaps between phases, rounded to the millisecond each).
    const phases = s.phaseSeconds as Record<string, number>;
    expect(Object.keys(phases)).toEqual(['model', 'marts', 'features', 'predict', 'stage', 'write', 'summary']);
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    expect(Object.values(phases).every((v) => v >= 0)).toBe(true);
    expect(sum).toBeLessThanOrEqual((s.seconds as number) + 0.01);
    expect(sum).toBeGreaterThan((s.seconds as number) * 0.8 - 0.05);
    expect(phases.predict).toBeCloseTo(s.predictSeconds as number, 2);
  }, 60_000);

  it('the scores partition carries each transaction\'s own fields as the transactions partition holds them, in time order', async () => {
    const db = await openDb({ threads: 1 });
    const tx = join(lake, 'transactions', `date=${DAY}`, 'data.parquet');
    const sc = join(lake, 'scores', `date=${DAY}`, 'data.parquet');
    const [cmp] = await db.all<{ n: bigint; same: bigint; ordered: bigint; tx_rows: bigint }>(
      `WITH s AS (SELECT *, file_row_number AS pos, row_number() OVER (ORDER BY tx_datetime, transaction_id) - 1 AS want FROM read_parquet('${sc}', file_row_number = true)),
            t AS (SELECT * FROM read_parquet('${tx}'))
       SELECT COUNT(*) AS n,
              COUNT(*) FILTER (WHERE s.tx_datetime = t.tx_datetime AND s.customer_id = t.customer_id AND s.terminal_id = t.terminal_id AND s.tx_amount = t.tx_amount::DOUBLE) AS same,
              COUNT(*) FILTER (WHERE s.pos = s.want) AS ordered,
              (SELECT COUNT(*) FROM t) AS tx_rows
       FROM s JOIN t USING (transaction_id)`,
    );
    const types = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${sc}', hive_partitioning = false)`);
    db.close();
    expect(cmp.n).toBe(cmp.tx_rows);
    expect(cmp.same).toBe(cmp.n);
    expect(cmp.ordered).toBe(cmp.n);
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual([
      'transaction_id BIGINT', 'tx_datetime TIMESTAMP', 'customer_id BIGINT', 'terminal_id BIGINT', 'tx_amount DOUBLE', 'fraud_score DOUBLE',
      'flagged BOOLEAN', 'model_uri VARCHAR', 'model_version VARCHAR', 'scored_at TIMESTAMP',
    ]);
  }, 60_000);

  it('--out round-trips as parquet, csv and json', async () => {
    const lakeScores = await readParquet<{ transaction_id: bigint; fraud_score: number }>(join(lake, 'scores', `date=${DAY}`, 'data.parquet'), 'SELECT transaction_id, fraud_score FROM src ORDER BY transaction_id');
    for (const ext of ['parquet', 'csv', 'json']) {
      const out = join(dir, `scores.${ext}`);
      const r = await runCli(['score', ...base, '--date', DAY, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const reader = ext === 'parquet' ? 'read_parquet' : ext === 'csv' ? 'read_csv' : 'read_json';
      const db = await openDb({ threads: 1 });
      const back = await db.all<{ transaction_id: bigint; fraud_score: number }>(`SELECT transaction_id::BIGINT AS transaction_id, fraud_score::DOUBLE AS fraud_score FROM ${reader}('${out}') ORDER BY transaction_id`);
      db.close();
      expect(back.length).toBe(lakeScores.length);
      back.forEach((b, i) => {
        expect(b.transaction_id).toBe(lakeScores[i].transaction_id);
        expect(b.fraud_score).toBeCloseTo(lakeScores[i].fraud_score, 12);
      });
    }
    expect((await runCli(['score', ...base, '--date', DAY, '--out', join(dir, 'x.txt')])).code).toBe(2);
  }, 60_000);

  it('is idempotent: a re-run gives the same scores', async () => {
    const path = join(lake, 'scores', `date=${DAY}`, 'data.parquet');
    const q = 'SELECT * EXCLUDE (scored_at) FROM src ORDER BY transaction_id';
    const first = await readParquet(path, q);
    expect((await runCli(['daily', ...base, '--date', DAY])).code).toBe(0);
    const second = await readParquet(path, q);
    expect(second).toEqual(first);
  }, 60_000);

  it('a partition not in time order scores the same rows and is written in time order', async () => {
    const shuffled = join(dir, 'lake-shuffled');
    cpSync(lake, shuffled, { recursive: true });
    const txPath = join(shuffled, 'transactions', `date=${DAY}`, 'data.parquet');
    await rewritePartition(txPath, 'SELECT * FROM src ORDER BY hash(transaction_id)');
    const cols = 'SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, fraud_score, flagged FROM src';
    for (const l of [lake, shuffled]) expect((await runCli(['score', '--lake', l, '--tracking-uri', mlruns, '--date', DAY, '--model', modelOut])).code).toBe(0);
    const inOrder = await readParquet(join(lake, 'scores', `date=${DAY}`, 'data.parquet'), cols);
    const fromShuffled = await readParquet(join(shuffled, 'scores', `date=${DAY}`, 'data.parquet'), cols);
    expect(fromShuffled.length).toBeGreaterThan(100);
    expect(fromShuffled).toEqual(inOrder);
    // The shuffled file really was out of order (else this test would not reach the sort).
    const firstIds = await readParquet<{ transaction_id: bigint }>(txPath, 'SELECT transaction_id FROM src LIMIT 3');
    expect(firstIds.map((r) => r.transaction_id)).not.toEqual(inOrder.slice(0, 3).map((r) => r.transaction_id));
  }, 60_000);

  it('a partition rewritten between the feature read and the scores write fails (exit 3) instead of pairing scores with other rows', async () => {
    const moved = join(dir, 'lake-moved');
    cpSync(lake, moved, { recursive: true });
    const txPath = join(moved, 'transactions', `date=${DAY}`, 'data.parquet');
    const db = await openDb({ threads: 1 });
    try {
      const rows = await loadFeatureRows(db, new LocalLake(moved), DAY, presetSpec('handbook'), { fields: false });
      const staged = await stageScores(db, rows, new Float64Array(rows.n).fill(0.5), { threshold: 0.2, modelUri: 'm', modelVersion: null, scoredAt: new Date() });
      await rewritePartition(txPath, 'SELECT * FROM src ORDER BY transaction_id DESC');
      const out = join(dir, 'moved-scores.parquet');
      const err = await copyScores(db, staged, out, 'parquet').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(FraudctlError);
      expect((err as FraudctlError).exitCode).toBe(3);
      expect((err as Error).message).toContain('changed while they were scored');
    } finally {
      db.close();
    }
  }, 60_000);

  it('customer ids too sparse for the id lookup (the DuckDB join instead) give the same scores, on two threads', async () => {
    const sparse = join(dir, 'sparse-lake');
    cpSync(lake, sparse, { recursive: true });
    const shift = 'SELECT * REPLACE (customer_id + 1000000000000 AS customer_id) FROM src';
    await rewritePartition(join(sparse, 'transactions', `date=${DAY}`, 'data.parquet'), shift);
    // The mart keeps its key-value metadata (spec, delay), so it is still the model's mart.
    const mart = join(sparse, 'features', 'customer', 'date=2025-02-13', 'data.parquet');
    const db = await openDb({ threads: 1 });
    const kv = await db.all<{ k: string; v: string }>(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${mart}')`);
    await db.run(`COPY (${shift.replace('src', `read_parquet('${mart}')`)}) TO '${mart}.new' (FORMAT parquet, KV_METADATA {${kv.map((e) => `'${e.k}': '${e.v}'`).join(', ')}})`);
    db.close();
    renameSync(`${mart}.new`, mart);
    const dense = await runCli(['score', ...base, '--date', DAY, '--threads', '2', '--json']);
    const joined = await runCli(['score', '--lake', sparse, '--tracking-uri', mlruns, '--date', DAY, '--threads', '2', '--json']);
    expect(dense.code, dense.stderr).toBe(0);
    expect(joined.code, joined.stderr).toBe(0);
    const scoresOf = async (root: string) => (await readParquet<{ fraud_score: number }>(join(root, 'scores', `date=${DAY}`, 'data.parquet'))).map((r) => r.fraud_score);
    expect(await scoresOf(sparse)).toEqual(await scoresOf(lake));
    for (const k of ['transactions', 'flagged', 'quantiles', 'noHistoryCustomers', 'noHistoryTerminals']) expect(joined.json![k], k).toEqual(dense.json![k]);
  });

  it('clear errors: missing day, missing model, wrong feature list', async () => {
    const noDay = await runCli(['score', ...base, '--date', '2025-06-01']);
    expect(noDay.code).toBe(3);
    expect(noDay.stderr).toContain('2025-06-01');

    const noModel = await runCli(['score', '--lake', lake, '--tracking-uri', join(dir, 'empty-mlruns'), '--date', DAY]);
    expect(noModel.code).toBe(3);
    expect(noModel.stderr).toMatch(/no model/i);

    const badPath = await runCli(['score', ...base, '--date', DAY, '--model', join(dir, 'nowhere')]);
    expect(badPath.code).toBe(3);

    // A model trained on other feature names.
    const names = [...FEATURE_NAMES.slice(0, 14), 'tx_hour'];
    const n = 200;
    const columns = names.map((_, j) => Float64Array.from({ length: n }, (_, i) => (i * (j + 3)) % 17));
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const other = await trainForest({ nRows: n, featureNames: names, columns, labels }, { nTrees: 3, maxDepth: 3, seed: 1, threads: 1 });
    const otherDir = join(dir, 'other-model');
    mkdirSync(otherDir, { recursive: true });
    await writeModelDir(otherDir, { mlmodel: buildMlmodel({ runId: 'x', artifactPath: 'model', modelFile: 'model.bin', featureNames: names, fraudctlVersion: '0.1.0', createdAt: new Date() }), modelBytes: other.toBuffer(), featureNames: names });
    const mismatch = await runCli(['score', ...base, '--date', DAY, '--model', otherDir]);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain('tx_hour');
    expect(mismatch.stderr).toContain('term_risk_30d');
  }, 60_000);
});

describe('fraudctl daily', () => {
  it('a second run of the same date while the first runs is refused', async () => {
    const [a, b] = await Promise.all([runCli(['daily', ...base, '--date', DAY, '--json']), runCli(['daily', ...base, '--date', DAY, '--json'])]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 4]);
    const refused = a.code === 4 ? a : b;
    expect(refused.stderr).toMatch(/already running/);
  }, 60_000);

  it('takes over a lock left by a dead process', async () => {
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)']).toString().trim());
    // The daily lock lives in the lake (_locks/), so every working directory on this lake sees it.
    const lockDir = join(lake, '_locks');
    mkdirSync(lockDir, { recursive: true });
    const { hostname } = await import('node:os');
    writeFileSync(join(lockDir, `daily-${DAY}.lock`), JSON.stringify({ pid: deadPid, host: hostname(), started: '2025-01-01T00:00:00Z', what: 'x' }));
    const r = await runCli(['daily', ...base, '--date', DAY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('dead process');
    expect(existsSync(join(lockDir, `daily-${DAY}.lock`))).toBe(false);
    expect(readFileSync(join(lake, 'scores', `date=${DAY}`, 'data.parquet')).length).toBeGreaterThan(0);
  }, 60_000);
});
