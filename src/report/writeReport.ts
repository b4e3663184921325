/** `fraudctl report`: the HTML report of a training run, rendered from its report.json artifact. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ExitCode, FraudctlError, dataError, usageError } from '../errors.js';
import { resolveModel } from '../mlflow/modelUri.js';
import type { Tracker } from '../mlflow/tracker.js';
import { REPORT_FORMAT, type ReportData } from './reportData.js';
import { renderReport } from './renderReport.js';

export interface ReportOptions {
  run?: string;
  model?: string;
  out: string;
  cacheDir: string;
}

export async function writeReport(opts: ReportOptions, tracker: Tracker) {
  if (opts.run && opts.model) throw usageError('give --run or --model, not both');
  if (!opts.run && !opts.model) throw usageError('say which training run to report on: --run RUN_ID or --model URI');
  let runId = opts.run;
  if (opts.model) {
    const m = await resolveModel(opts.model, tracker, opts.cacheDir);
    if (!m.runId) throw usageError(`${opts.model} is a local model directory, which names no MLflow run`, 'pass --run RUN_ID or a models:/ or runs:/ URI');
    runId = m.runId;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'fraudctl-report-'));
  try {
    let data: ReportData;
    try {
      data = JSON.parse(await readFile(await tracker.downloadArtifacts(runId!, 'report.json', tmp), 'utf8')) as ReportData;
    } catch (err) {
      if (err instanceof SyntaxError) throw dataError(`report.json of run ${runId} is not valid JSON`);
      if (err instanceof FraudctlError && err.exitCode !== ExitCode.Data) throw err; // e.g. the server is down: exit 4
      throw new FraudctlError(`run ${runId} has no report.json artifact in ${tracker.uri}`, ExitCode.Data, { hint: 'give the parent run of a `fraudctl train`; its trial runs have no report', cause: err });
    }
    if (data.format !== REPORT_FORMAT) throw dataError(`report.json of run ${runId} has format ${data.format}; this fraudctl reads format ${REPORT_FORMAT}`);
    const html = await renderReport(data);
    const out = resolve(opts.out);
    if (!existsSync(dirname(out))) throw usageError(`the directory of --out ${opts.out} does not exist`);
    // Written beside the target and renamed: a reader never sees half a report.
    const part = `${out}.${process.pid}.part`;
    await writeFile(part, html);
    await rename(part, out);
    return { runId, out, bytes: Buffer.byteLength(html), charts: data.charts.map((c) => c.name) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
