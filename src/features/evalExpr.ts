import type { Expr } from './expression.js';

/** The numeric literals of an expression (DuckDB's reading of each is what evalExpr uses). */
export function exprLiterals(e: Expr): number[] {
  if (e.op === 'num') return [e.value];
  if (e.op === 'col') return [];
  if (e.op === 'neg') return exprLiterals(e.arg);
  return [...exprLiterals(e.left), ...exprLiterals(e.right)];
}

type Value = number | Float64Array;

/**
 * An expression over feature columns into `out`, row by row the IEEE double operations of
 * exprToSql's SQL (a + b, a - b, a * b, -a, and x / y as 0 when y = 0), so each value is the one
 * DuckDB computes. `literals` maps each literal to its DOUBLE as DuckDB parses it.
 */
export function evalExpr(e: Expr, column: (name: string) => Float64Array, literals: ReadonlyMap<number, number>, out: Float64Array): void {
  const n = out.length;
  const walk = (x: Expr): Value => {
    switch (x.op) {
      case 'num': {
        const v = literals.get(x.value);
        if (v === undefined) throw new Error(`expression literal ${x.value} not read`);
        return v;
      }
      case 'col':
        return column(x.name);
      case 'neg':
        return map1(walk(x.arg), n);
      default:
        return map2(x.op, walk(x.left), walk(x.right), n);
    }
  };
  const v = walk(e);
  if (typeof v === 'number') out.fill(v);
  else out.set(v);
}

function map1(a: Value, n: number): Value {
  if (typeof a === 'number') return -a;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = -a[i];
  return r;
}

function apply(op: '+' | '-' | '*' | '/', a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return b === 0 ? 0 : a / b;
  }
}

function map2(op: '+' | '-' | '*' | '/', a: Value, b: Value, n: number): Value {
  if (typeof a === 'number' && typeof b === 'number') return apply(op, a, b);
  const r = new Float64Array(n);
  const at = (v: Value) => (typeof v === 'number' ? () => v : (i: number) => v[i]);
  const x = at(a);
  const y = at(b);
  // One loop per operator keeps the hot loop free of a switch.
  if (op === '+') for (let i = 0; i < n; i++) r[i] = x(i) + y(i);
  else if (op === '-') for (let i = 0; i < n; i++) r[i] = x(i) - y(i);
  else if (op === '*') for (let i = 0; i < n; i++) r[i] = x(i) * y(i);
  else
    for (let i = 0; i < n; i++) {
      const d = y(i);
      r[i] = d === 0 ? 0 : x(i) / d;
    }
  return r;
}
