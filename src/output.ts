/** Human results on stdout; in --json mode only the final one-line JSON summary is written. */
export interface Output {
  readonly json: boolean;
  /** A line of human output (suppressed in --json mode). */
  line(text?: string): void;
  /** An aligned table (suppressed in --json mode). */
  table(headers: string[], rows: (string | number)[][]): void;
}

export function createOutput(stream: NodeJS.WritableStream, json: boolean): Output {
  return {
    json,
    line(text = '') {
      if (!json) stream.write(`${text}\n`);
    },
    table(headers, rows) {
      if (json) return;
      stream.write(formatTable(headers, rows));
    },
  };
}

export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const fmt = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return `${[fmt(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n')}\n`;
}
