import YAML from 'yaml';

/**
 * Text in the forms MLflow's Python code writes and reads: YAML as PyYAML dumps it, JSON as
 * `json.dumps` prints it, floats as `str(float)`. Files written by fraudctl and by MLflow then look
 * alike, which keeps diffs and hand inspection of `./mlruns` simple.
 */

/**
 * PyYAML follows YAML 1.1, where unquoted `yes`, `on` or `2025-03-20` are not strings: dumping with
 * the 1.1 schema quotes such strings, so an experiment named `2025-03-20` reads back as a string.
 * Keys sorted, block style, single quotes, as `yaml.safe_dump(..., default_flow_style=False)` writes.
 */
export function toPyYaml(data: Record<string, unknown>): string {
  return YAML.stringify(data, { version: '1.1', sortMapEntries: true, lineWidth: 0, singleQuote: true });
}

export function parsePyYaml(text: string): unknown {
  return YAML.parse(text, { version: '1.1' });
}

/** `str(float)` in Python: integral values keep a `.0` (MLflow's metric files hold `0.5`, `1.0`). */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return Object.is(v, -0) ? '-0.0' : `${v}.0`;
  return String(v);
}

/** `json.dumps(value)` with its defaults: `", "` and `": "` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`pythonJsonDumps: non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
  }
  throw new Error(`pythonJsonDumps: cannot encode a ${typeof value}`);
}

/** `float(s)` for what MLflow writes: also `inf`, `-inf`, `nan` (Python's spellings). */
export function parsePyFloat(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  return Number(t);
}
