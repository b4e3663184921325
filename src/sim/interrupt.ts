import { ExitCode, FraudctlError } from '../errors.js';

/** Exit 130 / 143 after an interrupt, between days: what was written so far is complete. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'simulate'): void {
  if (!signal?.aborted) return;
  const sigterm = signal.reason === 'SIGTERM';
  throw new FraudctlError(`${what} interrupted by ${sigterm ? 'SIGTERM' : 'SIGINT'}; nothing half-written is left`, sigterm ? ExitCode.Sigterm : ExitCode.Sigint);
}
