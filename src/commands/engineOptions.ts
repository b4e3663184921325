import { parseSparkRemote } from '../spark/sparkRemote.js';
import { problemOf, setting } from './optionTable.js';

/** Where marts are built (marts build, daily): settings FRAUDCTL_ENGINE and FRAUDCTL_SPARK_REMOTE. */
export const ENGINE_OPTIONS = {
  engine: setting('engine'),
  sparkRemote: setting('sparkRemote', { check: problemOf(parseSparkRemote) }),
};

/** --engine spark without a Spark Connect server, found before any work. */
export function engineProblem(o: { engine: string; sparkRemote?: string }): string | undefined {
  return o.engine === 'spark' && o.sparkRemote === undefined ? '--engine spark needs a Spark Connect server: pass --spark-remote sc://HOST:15002 or set FRAUDCTL_SPARK_REMOTE' : undefined;
}
