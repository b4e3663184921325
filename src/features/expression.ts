/**
 * Per-transaction feature expressions: numbers, column names, + - * /, unary minus and
 * parentheses, e.g. `(tx_amount - cust_amount_min_7d) / (cust_amount_max_7d - cust_amount_min_7d)`.
 *
 * Division rule: x / y is 0 when y is 0 — the handbook's rule for an empty window (its means
 * and risks are 0 when the count is 0), and what an entity without history gets (all its mart
 * columns are 0). No expression can produce NaN or Infinity.
 */
export type Expr =
  | { op: 'num'; value: number }
  | { op: 'col'; name: string }
  | { op: 'neg'; arg: Expr }
  | { op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

export class ExprSyntaxError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))/y;

/** Parses an expression; throws ExprSyntaxError naming the position of the problem. */
export function parseExpr(text: string): Expr {
  const tokens: { t: 'num' | 'id' | 'sym'; v: string; at: number }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) break;
    const at = TOKEN.lastIndex - (m[1] ?? m[2] ?? m[3] ?? '').length;
    if (m[1] !== undefined) tokens.push({ t: 'num', v: m[1], at });
    else if (m[2] !== undefined) tokens.push({ t: 'id', v: m[2], at });
    else if (m[3] !== undefined) tokens.push({ t: 'sym', v: m[3], at });
  }
  let i = 0;
  const fail = (what: string): never => {
    const at = tokens[i]?.at ?? text.length;
    throw new ExprSyntaxError(`${what} at character ${at + 1} of "${text}"`);
  };
  const peek = (v: string) => tokens[i]?.t === 'sym' && tokens[i].v === v;
  const primary = (): Expr => {
    const tok = tokens[i];
    if (!tok) return fail('expression ends early');
    if (tok.t === 'num') return (i++, { op: 'num', value: Number(tok.v) });
    if (tok.t === 'id') return (i++, { op: 'col', name: tok.v });
    if (peek('-')) return (i++, { op: 'neg', arg: primary() });
    if (peek('(')) {
      i += 1;
      const e = sum();
      if (!peek(')')) fail('missing )');
      i += 1;
      return e;
    }
    return fail(`unexpected "${tok.v}"`);
  };
  const product = (): Expr => {
    let left = primary();
    while (peek('*') || peek('/')) {
      const op = tokens[i++].v as '*' | '/';
      left = { op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Expr => {
    let left = product();
    while (peek('+') || peek('-')) {
      const op = tokens[i++].v as '+' | '-';
      left = { op, left, right: product() };
    }
    return left;
  };
  if (tokens.length === 0) fail('empty expression');
  const e = sum();
  if (i < tokens.length) fail(`unexpected "${tokens[i].v}"`);
  return e;
}

/** Column names an expression reads. */
export function exprColumns(e: Expr): string[] {
  if (e.op === 'num') return [];
  if (e.op === 'col') return [e.name];
  if (e.op === 'neg') return exprColumns(e.arg);
  return [...exprColumns(e.left), ...exprColumns(e.right)];
}

/** SQL (DuckDB and Spark alike) over DOUBLE columns named by `column`; division by 0 gives 0. */
export function exprToSql(e: Expr, column: (name: string) => string): string {
  switch (e.op) {
    case 'num':
      return `CAST(${String(e.value)} AS DOUBLE)`;
    case 'col':
      return column(e.name);
    case 'neg':
      return `(-${exprToSql(e.arg, column)})`;
    case '/': {
      const den = exprToSql(e.right, column);
      return `(CASE WHEN ${den} = 0 THEN CAST(0 AS DOUBLE) ELSE ${exprToSql(e.left, column)} / ${den} END)`;
    }
    default:
      return `(${exprToSql(e.left, column)} ${e.op} ${exprToSql(e.right, column)})`;
  }
}

/** Canonical text of an expression (fully parenthesised): what the spec hash covers. */
export function exprText(e: Expr): string {
  if (e.op === 'num') return String(e.value);
  if (e.op === 'col') return e.name;
  if (e.op === 'neg') return `(-${exprText(e.arg)})`;
  return `(${exprText(e.left)} ${e.op} ${exprText(e.right)})`;
}
