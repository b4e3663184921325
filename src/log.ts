import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Replaces every secret value in a string by '****'. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('****');
  return out;
}

/** Readable one-line records for a terminal: `12:00:01 INFO  message key=value`. */
function prettyLine(json: string): string {
  try {
    const rec = JSON.parse(json) as Record<string, unknown>;
    const { level, time, msg, pid: _p, hostname: _h, ...rest } = rec;
    const t = new Date(Number(time)).toISOString().slice(11, 19);
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${t} ${(LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extras ? `  ${extras}` : ''}\n`;
  } catch {
    return json;
  }
}

export interface LogOptions {
  level: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Secrets to mask in every record. */
  secrets?: readonly string[];
  pretty?: boolean;
}

/**
 * pino to stderr: JSON lines when stderr is not a TTY (cron, Airflow), readable lines on a TTY.
 * Writes are synchronous so nothing is lost on exit; every record passes through redaction.
 */
export function createLogger(opts: LogOptions): Logger {
  const secrets = opts.secrets ?? [];
  const pretty = opts.pretty ?? opts.stream.isTTY === true;
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      const text = redact(chunk.toString(), secrets);
      // On a terminal, clear a progress bar's line first so a record never lands on it.
      opts.stream.write(pretty ? text.split('\n').filter(Boolean).map((l) => `\r\x1b[K${prettyLine(l)}`).join('') : text);
      cb();
    },
  });
  return pino({ level: opts.level, base: undefined, timestamp: pino.stdTimeFunctions.epochTime }, sink);
}
