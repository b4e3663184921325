/**
 * The training report as one HTML file: no script, no network; charts are inline SVG rendered from
 * the same Vega-Lite specs as the MLflow PNGs, the font is embedded as a data: URL, and the layout
 * is a single column that fits a phone (tables scroll sideways inside their own box).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chartSvg } from '../plots/renderCharts.js';
import type { ReportData } from './reportData.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined, d = 4) => (x === undefined || x === null ? '<span class="undef">undefined</span>' : esc(x.toFixed(d)));
const int = (x: number) => esc(x.toLocaleString('en-US'));

function table(headers: string[], rows: string[][], caption: string): string {
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const span = (days: string[]) => (days.length === 0 ? '' : days.length === 1 ? days[0] : `${days[0]} … ${days[days.length - 1]}`);

async function fontFace(): Promise<string> {
  const require = createRequire(import.meta.url);
  const css = await Promise.all(
    [400, 700].map(async (w) => {
      const b64 = (await readFile(require.resolve(`@fontsource/inter/files/inter-latin-${w}-normal.woff2`))).toString('base64');
      return `@font-face{font-family:Inter;font-weight:${w};src:url(data:font/woff2;base64,${b64}) format("woff2")}`;
    }),
  );
  return css.join('\n');
}

const STYLE = `
body{font-family:Inter,system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
.scroll{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.5rem 0}
caption{text-align:left;font-weight:700;padding:.25rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}.undef{color:#999}.best{font-weight:700}
figure{margin:1rem 0}figure svg{width:100%;height:auto;max-width:44rem}figcaption{font-size:.9rem;color:#555}
.decision{padding:.75rem;border-radius:.4rem;background:#f4f6fa}.promoted{background:#e8f5e9}.meta{color:#555;font-size:.9rem}`;

type Decision = ReportData['decision'];

/** The paired test behind a promotion decision, when one ran. */
function decisionTest(dec: Decision): string {
  if (dec.rule === undefined) return '';
  const parts = [` Rule: ${esc(dec.rule)}`];
  if (dec.alpha !== undefined) parts.push(`α = ${esc(dec.alpha)}`);
  if (dec.championVersion) parts.push(`champion version ${esc(dec.championVersion)}`);
  if (dec.deltaAuc !== undefined && dec.deltaAuc !== null) parts.push(`ΔAUC (challenger − champion) ${num(dec.deltaAuc)}${dec.deltaAucCi95 ? `, 95% CI ${num(dec.deltaAucCi95[0])} – ${num(dec.deltaAucCi95[1])}` : ''}`);
  parts.push(`one-sided DeLong p-value ${dec.pValue === undefined || dec.pValue === null ? '<span class="undef">none (no paired test decided)</span>' : `<span class="pvalue">${esc(dec.pValue.toPrecision(3))}</span>`}`);
  return `<br>${parts.join('; ')}.`;
}

export async function renderReport(d: ReportData): Promise<string> {
  const charts = await Promise.all(d.charts.map(async (c) => ({ ...c, svg: await chartSvg(c) })));
  const ci = (iv: [number, number] | undefined) => (iv ? `${num(iv[0])} – ${num(iv[1])}` : '<span class="undef">—</span>');
  const metricRows = d.metrics.map((m) => [
    esc(m.window), int(m.rows), int(m.frauds), int(m.droppedRows),
    num(m.values.roc_auc), ci(m.intervals?.roc_auc), num(m.values.pr_auc), ci(m.intervals?.pr_auc),
    num(m.values.card_precision_at_k, 3), num(m.values.tx_precision_at_k, 3),
    num(m.values.precision), num(m.values.recall), num(m.values.f1), num(m.values.f_beta),
  ]);
  const dec = d.decision;
  const sections = [
    `<h1>fraudctl training report</h1>`,
    `<p class="meta">Run <code>${esc(d.run.runId)}</code> in experiment '${esc(d.run.experiment)}' (${esc(d.run.trackingUri)}), ${esc(d.createdAt)}, fraudctl ${esc(d.fraudctlVersion)}.</p>`,
    `<div class="decision${dec.promoted ? ' promoted' : ''}"><strong>Decision:</strong> ${
      dec.registered ? `registered ${esc(dec.registered.name)} version ${esc(dec.registered.version)}; ` : ''
    }${dec.promoted === undefined ? '' : dec.promoted ? 'promoted to champion. ' : 'not promoted. '}${esc(dec.reason)}${decisionTest(dec)}</div>`,
    `<h2>Time split</h2>`,
    `<p>train | gap ${esc(d.settings['gap (days)'] ?? '?')} days | validation | gap | test; the final model is refit on the refit window (the train window moved to end the gap before the test).</p>`,
    table(['window', 'days', 'from … to', 'rows', 'frauds', 'fraud rate'], d.windows.map((w) => [esc(w.name), int(w.days.length), esc(span(w.days)), int(w.rows), int(w.frauds), w.rows ? `${(100 * w.frauds / w.rows).toFixed(3)} %` : '—']), 'Windows (by calendar day, never random)'),
    table(['setting', 'value'], Object.entries(d.settings).map(([k, v]) => [esc(k), esc(v)]), 'Settings'),
    `<h2>Search</h2>`,
    table(
      ['trial', 'trees', 'depth', 'val roc_auc', 'val pr_auc', 'val f_beta', 'seconds'],
      d.trials.map((t) => [`${t.best ? '<span class="best">★ ' : ''}${t.trial}${t.best ? '</span>' : ''}`, int(t.n_estimators), int(t.max_depth), num(t.metrics.roc_auc), num(t.metrics.pr_auc), num(t.metrics.f_beta), num(t.fitSeconds, 1)]),
      'Trials (★ the chosen one)',
    ),
    `<h2>Metrics of the chosen model</h2>`,
    table(['window', 'rows', 'frauds', 'dropped', 'roc_auc', '95% CI', 'pr_auc', '95% CI', `card_p@${d.k}`, `tx_p@${d.k}`, 'precision', 'recall', 'F1', 'F-beta'], metricRows, 'Metrics'),
    `<p class="meta">Validation: the chosen trial's model, trained on the train window. Test: the final model, refit on the refit window, scored once. ROC AUC interval: DeLong; AP interval: stratified bootstrap. Precision, recall and F at threshold ${esc(d.confusion.threshold)}; the test rows are pooled over the test days, then listed per day.</p>`,
    table(['', 'predicted fraud', 'predicted legitimate'], [['actual fraud', int(d.confusion.tp), int(d.confusion.fn)], ['actual legitimate', int(d.confusion.fp), int(d.confusion.tn)]], `Confusion matrix on the test window at threshold ${d.confusion.threshold}`),
    `<h2>Charts</h2>`,
    ...charts.map((c) => `<figure id="${esc(c.name)}" class="chart">${c.svg}<figcaption>${esc(c.title)}</figcaption></figure>`),
    `<h2>Feature importance</h2>`,
    table(
      ['feature', 'impurity share', 'ROC AUC drop', 'AP drop'],
      [...d.importances].sort((a, b) => b.impurity - a.impurity).map((r) => [esc(r.feature), num(r.impurity), num(r.rocAucDrop), num(r.prAucDrop)]),
      'Impurity-based (training) and permutation importance (test window: drop when the column is shuffled)',
    ),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fraudctl report ${esc(d.run.runId)}</title>
<style>${await fontFace()}${STYLE}</style></head>
<body>
${sections.join('\n')}
</body></html>
`;
}
