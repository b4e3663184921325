import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluationCharts, rocSpec } from '../../src/plots/chartSpecs.js';
import { evaluationCurves } from '../../src/plots/curves.js';
import { chartSvg, rasterOptions, renderCharts, writeChartFonts } from '../../src/plots/renderCharts.js';
import { thresholdMetrics } from '../../src/model/metrics.js';
import { Rng } from '../../src/util/rng.js';
import { terminalHistogram } from '../../src/report/scoreInsights.js';
import { midrankAuc } from '../model/rankingOracle.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudctl-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(n: number, seed: number) {
  const rng = new Rng(seed);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < 0.2 ? 1 : 0;
    // Scores on a grid of 100 values: ties, and fewer distinct points than the thinning limit.
    scores[i] = Math.min(99, Math.floor((labels[i] ? 30 : 0) + rng.next() * 70)) / 100;
  }
  return { labels, scores };
}

describe('evaluation curves', () => {
  it('a four-row example by hand', () => {
    const c = evaluationCurves(Uint8Array.from([1, 0, 1, 0]), Float64Array.from([0.9, 0.8, 0.3, 0.1]), { threshold: 0.5, beta: 1 });
    expect(c.curve.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
    expect(c.atThreshold).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1, precision: 0.5, recall: 0.5 });
    expect(c.histogram.reduce((s, b) => s + b.fraud, 0)).toBe(2);
    // Calibration bins 0.1, 0.3, 0.8, 0.9: each holds one row; observed rates 0, 1, 0, 1.
    expect(c.calibration.map((b) => [b.lo, b.fraudRate, b.rows])).toEqual([[0.1, 0, 1], [0.3, 1, 1], [0.8, 0, 1], [0.9, 1, 1]]);
  });

  it('the ROC points integrate to the Mann–Whitney ROC AUC, and threshold rows equal thresholdMetrics', () => {
    const { labels, scores } = sample(5000, 1);
    const c = evaluationCurves(labels, scores, { threshold: 0.2, beta: 1.5 });
    let area = 0;
    for (let k = 1; k < c.curve.length; k++) area += ((c.curve[k].fpr - c.curve[k - 1].fpr) * (c.curve[k].tpr + c.curve[k - 1].tpr)) / 2;
    expect(area).toBeCloseTo(midrankAuc(labels, scores)!, 12);
    for (const row of c.thresholds) {
      const m = thresholdMetrics(labels, scores, row.threshold, 1.5);
      expect(row).toEqual({ threshold: row.threshold, precision: m.precision, recall: m.recall, f1: m.f1, f_beta: m.f_beta });
    }
    expect(c.histogram.reduce((s, b) => s + b.legit + b.fraud, 0)).toBe(5000);
  });
});

/** Dark pixels (any channel < 100) in the top band of a rendered image, where the chart title is. */
function darkPixelsInTitle(svg: string, fontFiles: string[]): number {
  const img = new Resvg(svg, fontFiles.length ? rasterOptions(fontFiles) : { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: false } }).render();
  const px = img.pixels; // a getter that copies the whole image: read it once
  let dark = 0;
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = 4 * (y * img.width + x);
      if (px[o] < 100 && px[o + 1] < 100 && px[o + 2] < 100) dark++;
    }
  }
  return dark;
}

describe('terminal histogram', () => {
  it('bars are log10(rows + 1) of the largest: 9 rows get half the bar of 99, 0 rows none', () => {
    const lines = terminalHistogram([{ lo: 0, hi: 0.5, rows: 99 }, { lo: 0.5, hi: 0.9, rows: 9 }, { lo: 0.9, hi: 1, rows: 0 }], 10);
    expect(lines).toEqual(['0.0–0.5 │██████████│ 99', '0.5–0.9 │█████     │  9', '0.9–1.0 │          │  0']);
  });
});

describe('chart rendering', () => {
  it('draws text with the shipped font and none without it (no system font is used)', async () => {
    const { labels, scores } = sample(500, 2);
    const svg = await chartSvg(rocSpec(evaluationCurves(labels, scores, { threshold: 0.2, beta: 1.5 }), 0.9));
    expect(svg).toContain('ROC curve (AUC 0.9000)');
    const fonts = await writeChartFonts(dir);
    expect(darkPixelsInTitle(svg, fonts)).toBeGreaterThan(300);
    expect(darkPixelsInTitle(svg, [])).toBe(0);
  });

  it('renders every evaluation chart to an SVG and a 2× PNG', async () => {
    const { labels, scores } = sample(2000, 3);
    const charts = evaluationCharts(evaluationCurves(labels, scores, { threshold: 0.2, beta: 1.5 }), { roc_auc: 0.9, pr_auc: 0.5 }, [
      { feature: 'tx_amount', impurity: 0.7, rocAucDrop: 0.1, prAucDrop: 0.2 },
      { feature: 'term_risk_7d', impurity: 0.3, rocAucDrop: 0.05, prAucDrop: 0.01 },
    ]);
    const out = await renderCharts(charts);
    expect(out.map((c) => c.name)).toEqual(['roc_curve', 'pr_curve', 'threshold_metrics', 'score_histogram', 'calibration_curve', 'feature_importance']);
    for (const c of out) {
      expect(c.png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(c.svg.startsWith('<svg')).toBe(true);
      // The IHDR width is twice the SVG's.
      const svgWidth = Number(/width="(\d+)"/.exec(c.svg)![1]);
      expect(c.png.readUInt32BE(16)).toBe(2 * svgWidth);
    }
    expect(out[1].svg).toContain('threshold 0.2');
  });
});
