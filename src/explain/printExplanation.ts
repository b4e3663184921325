import type { Output } from '../output.js';
import type { TransactionExplanation } from './explainTransactions.js';

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;

/** One transaction: who/when/how much, its score as expected + contributions, the features by |contribution|. */
export function printExplanation(out: Output, e: TransactionExplanation): void {
  out.line(`Transaction ${e.transactionId} at ${e.txDatetime}: customer ${e.customerId}, terminal ${e.terminalId}, amount ${e.txAmount.toFixed(2)}${e.fraud === undefined ? '' : `, labelled ${e.fraud ? 'fraud' : 'legitimate'}`}.`);
  const total = e.features.reduce((s, f) => s + f.contribution, 0);
  if (e.score !== e.forestScore) out.line(`Score ${e.score.toFixed(4)}: the forest's ${e.forestScore.toFixed(4)} calibrated for its negative-sampled training set.`);
  out.line(`${e.score === e.forestScore ? 'Score' : 'Forest score'} ${e.forestScore.toFixed(4)} = expected ${e.expectedValue.toFixed(4)} ${signed(total)} from the features:`);
  out.table(
    ['feature', 'value', 'from', 'contribution'],
    [...e.features].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).map((f) => [f.feature, Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(4), f.window, signed(f.contribution)]),
  );
  out.line(`Reasons (the features that raised the score most): ${e.reasons.join(', ')}.`);
  out.line();
}
