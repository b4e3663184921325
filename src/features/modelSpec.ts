import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError } from '../errors.js';
import { featureNames, type FeatureSpec } from './featureSpec.js';
import { presetSpec } from './loadFeatureSpec.js';
import { parseFeatureSpec } from './parseFeatureSpec.js';
import { DEFAULT_PRESET } from './presets.js';

/** The file in a model directory that says which features the model was trained on. */
export const MODEL_SPEC_FILE = 'feature_spec.json';

/** What a model carries about its features: enough to rebuild exactly its marts anywhere. */
export interface ModelFeatures {
  spec: FeatureSpec;
  /** The label delay its marts were built with. */
  delay: number;
}

/** Writes feature_spec.json: name, hash, delay, column order and the whole spec. */
export async function writeModelSpec(dir: string, spec: FeatureSpec, delay: number): Promise<void> {
  const body = { name: spec.name, hash: spec.hash, delay, columns: featureNames(spec), spec: spec.input };
  await writeFile(join(dir, MODEL_SPEC_FILE), `${JSON.stringify(body, null, 2)}\n`);
}

/**
 * The model's features. A model made before specs has no feature_spec.json: when its feature
 * list is the handbook's it is a handbook model (delay unknown: undefined), otherwise exit 3.
 */
export async function readModelSpec(dir: string, featureList: readonly string[]): Promise<{ spec: FeatureSpec; delay: number | undefined }> {
  let text: string;
  try {
    text = await readFile(join(dir, MODEL_SPEC_FILE), 'utf8');
  } catch {
    const handbook = presetSpec(DEFAULT_PRESET);
    const want = featureNames(handbook);
    if (want.join(',') === featureList.join(',')) return { spec: handbook, delay: undefined };
    const only = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x)).join(', ') || '(none; the order differs)';
    throw dataError(
      `${dir} has no ${MODEL_SPEC_FILE} and its features are not the ${DEFAULT_PRESET} preset's (the model has ${only(featureList, want)}; the preset has ${only(want, featureList)}): cannot tell how to build its marts`,
      'retrain the model with this fraudctl (its model directory then carries feature_spec.json)',
    );
  }
  let body: { name?: unknown; hash?: unknown; delay?: unknown; columns?: unknown; spec?: unknown };
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw dataError(`${join(dir, MODEL_SPEC_FILE)} is not valid JSON: ${(e as Error).message}`);
  }
  let spec: FeatureSpec;
  try {
    spec = parseFeatureSpec(body.spec, `${join(dir, MODEL_SPEC_FILE)}`);
  } catch (e) {
    throw dataError((e as Error).message);
  }
  const where = join(dir, MODEL_SPEC_FILE);
  if (spec.hash !== body.hash) throw dataError(`${where}: the spec hashes to ${spec.hash}, the file says ${String(body.hash)} (edited by hand?)`);
  if (featureNames(spec).join(',') !== featureList.join(',')) throw dataError(`${where}: the spec's features differ from the model's feature list`);
  if (!Number.isInteger(body.delay)) throw dataError(`${where}: delay must be a whole number of days`);
  return { spec, delay: body.delay as number };
}
