import { redact, type Logger } from '../../log.js';
import type { Metric } from '../tracker.js';
import type { WireMetric, WireTag } from './api.js';

/**
 * What a runs/log-batch request may hold (mlflow/utils/validation.py): at most 1000 metrics, 100
 * params, 100 tags and 1000 items in all, a JSON body of at most 1e6 bytes; param values of at
 * most 6000 characters and tag values of at most 5000 (MLflow 2.x; the server refuses longer
 * ones unless it truncates them itself).
 */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000, bodyBytes: 1_000_000, paramValue: 6000, tagValue: 5000 } as const;

/** Bytes kept free in each body for `{"run_id": …, "metrics": [], …}`. */
const ENVELOPE_BYTES = 512;

export interface WireBatch {
  metrics: WireMetric[];
  params: WireTag[];
  tags: WireTag[];
}

export interface PreparedBatch extends WireBatch {
  /** Keys of metrics that were not finite and so not sent (JSON has no NaN). */
  undefinedMetrics: string[];
}

/**
 * Makes a batch sendable: secret values are replaced by '****', over-long values are cut (with a
 * warning naming the key, never the value), and non-finite metrics are held back.
 */
export function prepareBatch(
  batch: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> },
  secrets: readonly string[],
  log: Logger,
): PreparedBatch {
  const params = Object.entries(batch.params ?? {}).map(([key, value]) => ({ key, value: cleanValue('param', key, value, LOG_BATCH_LIMITS.paramValue, secrets, log) }));
  const tags = Object.entries(batch.tags ?? {}).map(([key, value]) => ({ key, value: cleanValue('tag', key, value, LOG_BATCH_LIMITS.tagValue, secrets, log) }));
  const metrics: WireMetric[] = [];
  const undefinedMetrics: string[] = [];
  for (const m of batch.metrics ?? []) {
    if (Number.isFinite(m.value)) metrics.push({ key: m.key, value: m.value, timestamp: Math.round(m.timestamp), step: Math.round(m.step) });
    else if (!undefinedMetrics.includes(m.key)) undefinedMetrics.push(m.key);
  }
  return { metrics, params, tags, undefinedMetrics };
}

/** Secrets out, then truncation to `limit` characters (MLFLOW_TRUNCATE_LONG_VALUES behaviour). */
export function cleanValue(kind: 'param' | 'tag', key: string, value: string, limit: number, secrets: readonly string[], log: Logger): string {
  let v = String(value);
  const scrubbed = redact(v, secrets);
  if (scrubbed !== v) {
    log.warn({ [kind]: key }, `a secret was removed from the value of ${kind} '${key}'`);
    v = scrubbed;
  }
  if (v.length > limit) {
    log.warn({ [kind]: key, length: v.length, limit }, `${kind} '${key}' value truncated to ${limit} characters (MLflow limit)`);
    v = v.slice(0, limit);
  }
  return v;
}

/** Splits a batch into requests within every limit; params first, then tags, then metrics. */
export function chunkBatch(batch: WireBatch, bodyBytes: number = LOG_BATCH_LIMITS.bodyBytes): WireBatch[] {
  const budget = bodyBytes - ENVELOPE_BYTES;
  const chunks: WireBatch[] = [];
  let cur: WireBatch = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  const count = () => cur.metrics.length + cur.params.length + cur.tags.length;
  const add = (kind: keyof WireBatch, item: WireMetric | WireTag, max: number) => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (count() > 0 && ((cur[kind] as unknown[]).length >= max || count() >= LOG_BATCH_LIMITS.total || bytes + size > budget)) {
      chunks.push(cur);
      cur = { metrics: [], params: [], tags: [] };
      bytes = 0;
    }
    (cur[kind] as unknown[]).push(item);
    bytes += size;
  };
  for (const p of batch.params) add('params', p, LOG_BATCH_LIMITS.params);
  for (const t of batch.tags) add('tags', t, LOG_BATCH_LIMITS.tags);
  for (const m of batch.metrics) add('metrics', m, LOG_BATCH_LIMITS.metrics);
  if (count() > 0) chunks.push(cur);
  return chunks;
}
