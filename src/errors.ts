/** Exit codes (DESIGN.md §6). 99 is never used: Airflow reads it as "skipped". */
export const ExitCode = {
  Ok: 0,
  Bug: 1,
  Usage: 2,
  Data: 3,
  Unavailable: 4,
  Sigint: 130,
  Sigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type. Anything thrown that is not a FraudctlError is a bug (exit 1, stack printed).
 * `message` is one line naming what is wrong and what is allowed; `hint` an optional next step.
 */
export class FraudctlError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, exitCode: ExitCode, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FraudctlError';
    this.exitCode = exitCode;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

export const usageError = (message: string, hint?: string) => new FraudctlError(message, ExitCode.Usage, { hint });
export const dataError = (message: string, hint?: string) => new FraudctlError(message, ExitCode.Data, { hint });
