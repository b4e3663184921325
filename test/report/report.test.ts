import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FEATURE_NAMES } from '../../src/features/spec.js';

// One small lake and one training run for the whole file (partial history: the first days of a lake).
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-report-'));
const lake = join(dir, 'lake');
const mlruns = join(dir, 'mlruns');
const TEST_DAY = '2025-01-10';
/** Where the browser's screenshot is kept for a person to look at (ignored by git). */
const ARTIFACTS = resolve('test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
let summary: Record<string, unknown>;
let runDir: string;

beforeAll(async () => {
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '10', '--customers', '400', '--terminals', '800', '--seed', '5', '--lake', lake, '--json']);
  expect(sim.code, sim.stderr).toBe(0);
  const r = await runCli(['train', '--lake', lake, '--tracking-uri', mlruns, '--days', '3', '--gap', '1', '--test-day', TEST_DAY, '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1', '--allow-partial-history', '--promote', '--json']);
  expect(r.code, r.stderr).toBe(0);
  summary = r.json!;
  runDir = join(mlruns, String(summary.experimentId), String(summary.parentRunId));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train: plots, importances and report', () => {
  it('logs the charts as PNG + SVG, the importance table and the report to the parent run', () => {
    for (const name of ['roc_curve', 'pr_curve', 'threshold_metrics', 'score_histogram', 'calibration_curve', 'feature_importance']) {
      const png = readFileSync(join(runDir, 'artifacts', 'plots', `${name}.png`));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(readFileSync(join(runDir, 'artifacts', 'plots', `${name}.svg`), 'utf8')).toMatch(/^<svg[^]*<text/);
    }
    expect(existsSync(join(runDir, 'artifacts', 'report.html'))).toBe(true);
    const table = JSON.parse(readFileSync(join(runDir, 'artifacts', 'feature_importance.json'), 'utf8')) as { feature: string; impurity: number }[];
    expect(table.map((r) => r.feature)).toEqual([...FEATURE_NAMES]);
  });

  it('prints importances in --json and logs them as metrics of the parent run', () => {
    const imp = summary.importances as { feature: string; impurity: number; rocAucDrop: number; prAucDrop: number }[];
    expect(imp).toHaveLength(15);
    expect(imp.reduce((s, r) => s + r.impurity, 0)).toBeCloseTo(1, 9);
    for (const r of imp) {
      const logged = readFileSync(join(runDir, 'metrics', `perm_roc_auc_drop_${r.feature}`), 'utf8').trim().split(' ');
      expect(Number(logged[1])).toBe(r.rocAucDrop);
      // A shuffled feature the model never split on changes no score: its drop is exactly 0.
      if (r.impurity === 0) expect(r.rocAucDrop).toBe(0);
    }
  });

  it('report.json and report.html carry the timeline with its validation window, the intervals, the per-day test metrics and the p-value', async () => {
    // A second run against the first one's champion, so that the paired DeLong test decides.
    const r = await runCli(['train', '--lake', lake, '--tracking-uri', mlruns, '--days', '3', '--gap', '1', '--test-day', TEST_DAY, '--test-days', '1', '--max-evals', '1', '--trees', '5:5', '--depth', '3:3', '--seed', '9', '--threads', '1', '--allow-partial-history', '--promote', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json! as Record<string, any>;
    const artifacts = join(mlruns, String(s.experimentId), String(s.parentRunId), 'artifacts');
    const data = JSON.parse(readFileSync(join(artifacts, 'report.json'), 'utf8'));
    // gap 1: validation 2025-01-08, train the 3 days ending a day before it, refit the 3 ending a day before the test.
    expect(data.windows.map((w: { name: string; days: string[]; rows: number }) => [w.name, w.days, w.rows])).toEqual([
      ['train (trials)', ['2025-01-04', '2025-01-05', '2025-01-06'], s.timeline.train.rows],
      ['validation', ['2025-01-08'], s.timeline.validation.rows],
      ['refit (final model)', ['2025-01-06', '2025-01-07', '2025-01-08'], s.timeline.refit.rows],
      ['test', [TEST_DAY], s.timeline.test.rows],
    ]);
    const byWindow = Object.fromEntries(data.metrics.map((m: { window: string }) => [m.window, m]));
    expect(byWindow.validation.values.roc_auc).toBe(s.validation.pooled.roc_auc);
    expect(byWindow.validation.intervals.roc_auc).toEqual(s.validation.pooled.roc_auc_ci95);
    expect(byWindow.test.intervals.pr_auc).toEqual(s.test.pooled.pr_auc_ci95);
    expect(byWindow[`test ${TEST_DAY}`].values.roc_auc).toBe(s.test.days[0].roc_auc);
    expect(byWindow.test.rows).toBe(s.test.pooled.rows);
    expect(s.promotion.pValue).not.toBeNull();
    expect(data.decision).toMatchObject({ promoted: s.promotion.promoted, pValue: s.promotion.pValue, rule: s.promotion.rule, championVersion: s.promotion.championVersion });
    const html = readFileSync(join(artifacts, 'report.html'), 'utf8');
    expect(html).toContain(`<span class="pvalue">${s.promotion.pValue.toPrecision(3)}</span>`);
    const [lo, hi] = s.test.pooled.roc_auc_ci95 as [number, number];
    expect(html).toContain(`${lo.toFixed(4)} – ${hi.toFixed(4)}`);
    expect(html).toContain(`<td>test ${TEST_DAY}</td>`);
  });

  it('fraudctl report --run writes the same report; a child run has none (exit 3)', async () => {
    const out = join(dir, 'again.html');
    const r = await runCli(['report', '--tracking-uri', mlruns, '--run', String(summary.parentRunId), '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(runDir, 'artifacts', 'report.html'), 'utf8'));
    const child = (summary.trials as { runId: string }[])[0].runId;
    const bad = await runCli(['report', '--tracking-uri', mlruns, '--run', child, '--out', join(dir, 'x.html')]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('has no report.json');
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
    const both = await runCli(['report', '--tracking-uri', mlruns, '--out', join(dir, 'y.html')]);
    expect(both.code).toBe(2);
  });

  it('opens in headless Chromium: charts and tables found, no console error, no network, fits a phone', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/apt-packages.txt)`).toBe(true);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (q) => requests.push(q.url()));
      const url = pathToFileURL(join(runDir, 'artifacts', 'report.html')).href;
      await page.goto(url);
      expect(await page.locator('figure.chart svg').count()).toBe(6);
      expect(await page.locator('#roc_curve svg text').filter({ hasText: 'ROC curve' }).count()).toBe(1);
      const captions = await page.locator('table caption').allInnerTexts();
      expect(captions).toEqual(expect.arrayContaining(['Windows (by calendar day, never random)', 'Trials (★ the chosen one)', 'Metrics']));
      // The window table names the test day, and the trial table has a row per trial.
      expect(await page.locator('table').first().innerText()).toContain(TEST_DAY);
      expect(await page.locator('table:has(caption:text("Trials")) tbody tr').count()).toBe(2);
      expect(await page.evaluate('document.fonts.check("16px Inter")')).toBe(true);
      // Readable on a phone: nothing wider than the screen except inside a scroll box.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-phone.png'), fullPage: true });
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.screenshot({ path: join(ARTIFACTS, 'report-desktop.png'), fullPage: false });
      await page.locator('#pr_curve').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'report-charts.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  });
});

describe('fraudctl explain', () => {
  type Expl = { transactionId: string; score: number; expectedValue: number; features: { feature: string; value: number; window: string; contribution: number }[] };

  it('--top 3: contributions + expected value = the score that `score` writes, to 1e-9', async () => {
    const r = await runCli(['explain', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY, '--top', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ex = (r.json!.explanations as Expl[]);
    expect(ex).toHaveLength(3);
    const scored = await runCli(['score', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY, '--top', '3', '--json']);
    expect(scored.code, scored.stderr).toBe(0);
    const top = scored.json!.top as { transaction_id: string; fraud_score: number }[];
    expect(ex.map((e) => e.transactionId)).toEqual(top.map((t) => t.transaction_id));
    // score's own read-outs: the histogram and confusion matrix cover every row; scoring the model's
    // own test day flags exactly the share train logged for it.
    const ins = scored.json!.insights as { histogram: { rows: number }[]; flaggedShare: number; trainingFlaggedShare: number; confusion: Record<string, number> };
    const n = scored.json!.transactions as number;
    expect(ins.histogram.reduce((s, b) => s + b.rows, 0)).toBe(n);
    expect(Object.values(ins.confusion).reduce((a, b) => a + b, 0)).toBe(n);
    expect(ins.confusion.tp + ins.confusion.fp).toBe(scored.json!.flagged);
    expect(ins.trainingFlaggedShare).toBe(ins.flaggedShare);
    ex.forEach((e, i) => {
      expect(e.features.map((f) => f.feature)).toEqual([...FEATURE_NAMES]);
      expect(Math.abs(e.expectedValue + e.features.reduce((s, f) => s + f.contribution, 0) - e.score)).toBeLessThan(1e-9);
      expect(e.score).toBeCloseTo(top[i].fraud_score, 12);
    });
    // The 7-day terminal risk of a transaction on the 10th comes from the terminal mart of the 9th, days 27 Dec … 2 Jan (delay 7: ends 7 days before the 9th).
    expect(ex[0].features.find((f) => f.feature === 'term_risk_7d')!.window).toBe('terminal mart of 2025-01-09: 2024-12-27 … 2025-01-02');
    expect(ex[0].features.find((f) => f.feature === 'cust_nb_tx_1d')!.window).toBe('customer mart of 2025-01-09: 2025-01-09');
  });

  it('--transaction ID explains that one; a table for people; bad input exits 2 or 3', async () => {
    const top = await runCli(['explain', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY, '--top', '1', '--json']);
    const id = (top.json!.explanations as Expl[])[0].transactionId;
    const one = await runCli(['explain', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY, '--transaction', id]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`Transaction ${id} at ${TEST_DAY}`);
    expect(one.stdout).toMatch(/feature\s+value\s+from\s+contribution/);
    const missing = await runCli(['explain', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY, '--transaction', '999999999']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('is not among the');
    const both = await runCli(['explain', '--lake', lake, '--tracking-uri', mlruns, '--date', TEST_DAY]);
    expect(both.code).toBe(2);
  });
});
