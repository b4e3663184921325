import { ExitCode, FraudctlError } from '../errors.js';

/** The error a command throws once SIGINT / SIGTERM has been received (exit 130 / 143). */
export function interruptedError(signal: AbortSignal): FraudctlError {
  const sig = String(signal.reason ?? 'SIGINT');
  return new FraudctlError(`interrupted by ${sig}`, sig === 'SIGTERM' ? ExitCode.Sigterm : ExitCode.Sigint);
}

export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw interruptedError(signal);
}
