import { FraudctlError } from '../errors.js';
import { readModelDir } from '../mlflow/mlmodel.js';
import { resolveModel } from '../mlflow/modelUri.js';
import type { ModelVersion, Tracker } from '../mlflow/tracker.js';
import { loadForest, predictParallel } from '../model/forest/index.js';

export type ChampionScores = { version: ModelVersion; scores?: Float64Array; unscorable?: string };

/**
 * The current holder of `alias` scored on the challenger's test rows, for the paired comparison.
 * Undefined when there is no champion. A champion whose model cannot be downloaded or read, or that
 * expects other features, comes back `unscorable` with the reason (data errors only; a server that
 * is down still fails the run with exit 4).
 */
export async function scoreChampion(
  tracker: Tracker,
  o: { name: string; alias: string; cacheDir: string; columns: Float64Array[]; n: number; threads: number; names: readonly string[] },
): Promise<ChampionScores | undefined> {
  const version = await tracker.getModelVersionByAlias(o.name, o.alias);
  if (!version) return undefined;
  try {
    const resolved = await resolveModel(`models:/${o.name}/${version.version}`, tracker, o.cacheDir);
    const dir = await readModelDir(resolved.dir);
    const model = await loadForest(dir.modelPath, o.names);
    return { version, scores: await predictParallel(model, o.columns, o.n, { threads: o.threads }) };
  } catch (e) {
    if (e instanceof FraudctlError && e.exitCode === 3) return { version, unscorable: e.message };
    throw e;
  }
}
