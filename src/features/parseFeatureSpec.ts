import { createHash } from 'node:crypto';
import { usageError } from '../errors.js';
import { exprColumns, exprText, ExprSyntaxError, parseExpr } from './expression.js';
import {
  AGGREGATE_KINDS,
  AMOUNT_KINDS,
  LABEL_KINDS,
  TRANSACTION_FEATURES,
  type AggregateKind,
  type Entity,
  type FeatureDef,
  type FeatureSpec,
  type MartColumn,
  type MartDef,
} from './featureSpec.js';

/** The file format (JSON): see README "Feature specs". */
export interface FeatureSpecInput {
  name: string;
  description?: string;
  marts: Partial<Record<Entity, AggregateInput[]>>;
  features: (string | { name: string; expr: string })[];
}

export interface AggregateInput {
  /** Column name; `{n}` is replaced by the window length (required with more than one window). */
  name: string;
  kind: AggregateKind;
  windows: number[];
  /** Windows end `delay` days before the mart day. Implied (and required) for kinds reading tx_fraud. */
  lagged?: boolean;
  /** Amount kinds: 'tx_amount' (the only one); distinct_count: the other entity's id column. */
  column?: string;
  /** quantile only: 0…1 (0.5 is the median). */
  q?: number;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED = new Set(['mart_date', 'customer_id', 'terminal_id', 'transaction_id', 'tx_datetime', 'tx_fraud', 'tx_fraud_scenario', 'tx_time_seconds', 'tx_time_days', 'label', 'day']);
const MAX_WINDOW = 365;
/** The forest engine keeps a feature index in a byte. */
const MAX_FEATURES = 256;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(where: string, o: Record<string, unknown>, allowed: string[], problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${where}: unknown key "${k}" (allowed: ${allowed.join(', ')})`);
}

function parseAggregate(entity: Entity, a: unknown, where: string, problems: string[]): MartColumn[] {
  if (!isObject(a)) return (problems.push(`${where}: must be an object`), []);
  unknownKeys(where, a, ['name', 'kind', 'windows', 'lagged', 'column', 'q'], problems);
  const before = problems.length;
  const kind = a.kind as AggregateKind;
  if (!AGGREGATE_KINDS.includes(kind)) problems.push(`${where}: kind must be one of ${AGGREGATE_KINDS.join(', ')} (got ${JSON.stringify(a.kind)})`);
  const windows = a.windows;
  if (!Array.isArray(windows) || windows.length === 0 || !windows.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_WINDOW)) {
    problems.push(`${where}: windows must be a non-empty list of whole days 1…${MAX_WINDOW}`);
  } else if (new Set(windows).size !== windows.length) problems.push(`${where}: windows repeat`);
  const name = a.name;
  if (typeof name !== 'string') problems.push(`${where}: name must be a string`);
  else if (Array.isArray(windows) && windows.length > 1 && !name.includes('{n}')) problems.push(`${where}: name "${name}" needs {n} (the window length) with more than one window`);
  if (LABEL_KINDS.has(kind) && a.lagged === false) {
    problems.push(`${where}: ${kind} reads tx_fraud, which is only known after the label delay; it is always lagged (remove "lagged": false)`);
  } else if (a.lagged !== undefined && typeof a.lagged !== 'boolean') problems.push(`${where}: lagged must be true or false`);
  const other = entity === 'customer' ? 'terminal_id' : 'customer_id';
  if (AMOUNT_KINDS.has(kind)) {
    if (a.column !== undefined && a.column !== 'tx_amount') problems.push(`${where}: ${kind} is over tx_amount only (got column ${JSON.stringify(a.column)})`);
  } else if (kind === 'distinct_count') {
    if (a.column !== other) problems.push(`${where}: distinct_count of the ${entity} mart needs "column": "${other}"`);
  } else if (a.column !== undefined) problems.push(`${where}: ${kind} takes no column`);
  if (kind === 'quantile') {
    if (typeof a.q !== 'number' || !(a.q >= 0 && a.q <= 1)) problems.push(`${where}: quantile needs "q" between 0 and 1 (0.5 is the median)`);
  } else if (a.q !== undefined) problems.push(`${where}: only quantile takes q`);
  if (problems.length > before) return [];
  return (windows as number[]).map((days) => ({
    name: (name as string).replaceAll('{n}', String(days)),
    kind,
    days,
    lagged: LABEL_KINDS.has(kind) || a.lagged === true,
    ...(kind === 'quantile' ? { q: a.q as number } : {}),
    ...(kind === 'distinct_count' ? { column: other } : {}),
  }));
}

/** The canonical content of a spec (everything but its name and description): what its hash covers. */
function canonical(marts: MartDef[], features: FeatureDef[]): string {
  return JSON.stringify({
    marts: marts.map((m) => ({ entity: m.entity, columns: m.columns.map((c) => [c.name, c.kind, c.days, c.lagged, c.q ?? null, c.column ?? null]) })),
    features: features.map((f) => (f.source === 'expr' ? [f.name, exprText(f.expr)] : [f.name])),
  });
}

/**
 * Validates a spec read from JSON. Every problem is collected; any problem throws one usage error
 * (exit 2) listing them all, with `origin` (the file or preset) named.
 */
export function parseFeatureSpec(input: unknown, origin: string): FeatureSpec {
  const problems: string[] = [];
  const done = (): never => {
    throw usageError(`feature spec ${origin} is invalid: ${problems.join('; ')}`, 'the format is described in the README, section "Feature specs"; `--features handbook` or `--features seed` are built in');
  };
  if (!isObject(input)) (problems.push('must be a JSON object'), done());
  const o = input as Record<string, unknown>;
  unknownKeys('spec', o, ['name', 'description', 'marts', 'features'], problems);
  if (typeof o.name !== 'string' || !NAME.test(o.name)) problems.push('name must be lower-case letters, digits and _ (it names the lake folder of its marts)');
  const marts: MartDef[] = [];
  if (!isObject(o.marts) || Object.keys(o.marts).length === 0) problems.push('marts must be an object with "customer" and/or "terminal" lists');
  else {
    for (const [entity, list] of Object.entries(o.marts)) {
      if (entity !== 'customer' && entity !== 'terminal') { problems.push(`marts: unknown entity "${entity}" (customer, terminal)`); continue; }
      if (!Array.isArray(list) || list.length === 0) { problems.push(`marts.${entity} must be a non-empty list of aggregates`); continue; }
      // Columns by window length, then in spec order: the handbook's marts keep their historical column order.
      const columns = list.flatMap((a, i) => parseAggregate(entity, a, `marts.${entity}[${i}]`, problems));
      marts.push({ entity, columns: columns.map((c, i) => ({ c, i })).sort((x, y) => x.c.days - y.c.days || x.i - y.i).map((x) => x.c) });
    }
  }
  const martOf = new Map<string, Entity>();
  for (const m of marts) {
    for (const c of m.columns) {
      if (!NAME.test(c.name) || RESERVED.has(c.name) || (TRANSACTION_FEATURES as readonly string[]).includes(c.name)) problems.push(`marts.${m.entity}: column name "${c.name}" is not allowed (lower-case, not a transaction column)`);
      if (martOf.has(c.name)) problems.push(`column "${c.name}" is defined twice`);
      martOf.set(c.name, m.entity);
    }
  }
  const features: FeatureDef[] = [];
  if (!Array.isArray(o.features) || o.features.length === 0 || o.features.length > MAX_FEATURES) problems.push(`features must be a list of 1…${MAX_FEATURES} features`);
  else {
    o.features.forEach((f, i) => {
      const where = `features[${i}]`;
      if (typeof f === 'string') {
        if ((TRANSACTION_FEATURES as readonly string[]).includes(f)) features.push({ name: f, source: 'transaction' });
        else if (martOf.has(f)) features.push({ name: f, source: 'mart', entity: martOf.get(f)! });
        else problems.push(`${where}: "${f}" is neither a transaction feature (${TRANSACTION_FEATURES.join(', ')}) nor a mart column`);
        return;
      }
      if (!isObject(f) || typeof f.name !== 'string' || typeof f.expr !== 'string') return void problems.push(`${where}: must be a name or { "name", "expr" }`);
      unknownKeys(where, f, ['name', 'expr'], problems);
      if (!NAME.test(f.name) || RESERVED.has(f.name) || martOf.has(f.name) || (TRANSACTION_FEATURES as readonly string[]).includes(f.name)) return void problems.push(`${where}: name "${f.name}" is not allowed or already a column`);
      try {
        const expr = parseExpr(f.expr);
        const unknown = exprColumns(expr).filter((c) => !martOf.has(c) && !(TRANSACTION_FEATURES as readonly string[]).includes(c));
        if (unknown.length > 0) return void problems.push(`${where} (${f.name}): unknown column(s) ${[...new Set(unknown)].join(', ')}; an expression reads transaction features and mart columns`);
        features.push({ name: f.name, source: 'expr', expr, text: f.expr });
      } catch (e) {
        if (!(e instanceof ExprSyntaxError)) throw e;
        problems.push(`${where} (${f.name}): ${e.message}`);
      }
    });
    const names = features.map((f) => f.name);
    const twice = names.filter((n, k) => names.indexOf(n) !== k);
    if (twice.length > 0) problems.push(`features repeat: ${[...new Set(twice)].join(', ')}`);
  }
  if (problems.length > 0) done();
  marts.sort((a, b) => a.entity.localeCompare(b.entity));
  const hash = createHash('sha256').update(canonical(marts, features)).digest('hex').slice(0, 12);
  return { name: o.name as string, hash, marts, features, input: JSON.parse(JSON.stringify(input)) };
}
