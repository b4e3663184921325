import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { simulateLake, TEST_DAY } from './realCycle.js';
import { startRealMlflow, type RealMlflow } from './realServer.js';

/**
 * MLflow's own web UI (shipped in the 3.x PyPI package) shows what fraudctl logged: Debian's
 * chromium, headless, driven by playwright-core. The assertions are what a person reads on the
 * pages, not API answers.
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('the MLflow 3 web UI shows a fraudctl training search', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fraudctl-ui-'));
  let server: RealMlflow;
  let browser: Browser;
  let page: Page;
  let train: Record<string, unknown>;
  beforeAll(async () => {
    const lake = join(tmp, 'lake');
    [server] = await Promise.all([
      startRealMlflow('mlflow3', ['--backend-store-uri', `sqlite:///${tmp}/mlflow.db`, '--artifacts-destination', join(tmp, 'artifacts')], { cwd: tmp }),
      simulateLake(lake),
    ]);
    const r = await runCli(['train', '--lake', lake, '--test-day', TEST_DAY, '--gap', '1', '--allow-partial-history', '--days', '2', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1', '--promote', '--json'], { env: { MLFLOW_TRACKING_URI: server.url }, cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    train = r.json!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS }).catch((e: Error) => {
      throw new Error(`cannot start ${CHROMIUM} (Debian's chromium; scripts/test-setup.sh installs it): ${e.message}`);
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const open = async (route: string, waitFor: string) => {
    await page.goto(`${server.url}/#${route}`);
    await page.getByText(waitFor, { exact: false }).first().waitFor({ timeout: 60_000 });
    return page.innerText('body');
  };
  const trials = () => train.trials as { runId: string; n_estimators: number; max_depth: number }[];

  it('the experiment lists the search; expanding it shows the nested trials', async () => {
    const text = await open(`/experiments/${String(train.experimentId)}/runs`, `train ${TEST_DAY}`);
    expect(text).toContain('fraudctl');
    expect(text).toContain(`train ${TEST_DAY}`);
    // The parent counts its two trials, which stay folded under it until expanded.
    expect(text).toMatch(/\b3 matching runs/);
    expect(text).not.toContain('trial 0');
    await page.locator('button[data-component-id*="runnamecellrenderer"]').first().click();
    await page.getByText('trial 1').first().waitFor({ timeout: 30_000 });
    const expanded = await page.innerText('body');
    for (const t of trials()) expect(expanded).toContain(`(${t.n_estimators} trees, depth ${t.max_depth})`);
    // The model column links the search to its registered version.
    expect(expanded).toContain('fraud-detector');
  }, 120_000);

  it('the parent run page shows its metrics and parameters', async () => {
    const best = train.best as { metrics: { roc_auc: number }; n_estimators: number };
    const text = await open(`/experiments/${String(train.experimentId)}/runs/${String(train.parentRunId)}`, 'best_roc_auc');
    expect(text).toContain('best_roc_auc');
    expect(text).toContain(String(best.metrics.roc_auc));
    expect(text).toMatch(new RegExp(`best_n_estimators\\s+${best.n_estimators}\\b`));
  }, 120_000);

  it('the artifacts tab lists the model directory', async () => {
    await open(`/experiments/${String(train.experimentId)}/runs/${String(train.parentRunId)}/artifacts`, 'MLmodel');
    await page.getByText('model.onnx').first().waitFor({ timeout: 30_000 });
    const text = await page.innerText('body');
    for (const f of ['MLmodel', 'model.onnx', 'model.bin', 'conda.yaml', 'requirements.txt']) expect(text).toContain(f);
  }, 120_000);

  it('the registered model shows version 1 with the champion alias', async () => {
    const text = await open('/models/fraud-detector', 'Version 1');
    expect(text).toContain('fraud-detector');
    expect(text).toMatch(/Version 1/);
    expect(text).toContain('champion');
  }, 120_000);
});
