import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError } from '../errors.js';
import { readTextIfExists } from './fileStore/files.js';
import { parsePyYaml, pythonJsonDumps, toPyYaml } from './fileStore/pyFormat.js';

/**
 * The MLmodel file of a logged fraudctl model: MLflow's model format with a custom flavor. There is
 * no python_function flavor, so `mlflow.pyfunc.load_model` cannot load it, but the UI, the
 * registry and `fraudctl score` can.
 */
export const FLAVOR = 'fraudctl_forest';
export const MLMODEL_FILE = 'MLmodel';
export const FEATURES_FILE = 'features.json';
/** The MLflow version whose MLmodel format this file follows. */
export const MLFLOW_VERSION = '2.16.2';

export type FraudctlFlavor = { model_file: string; format_version: number; fraudctl_version: string; features: string[] };

export type Mlmodel = {
  artifact_path: string;
  flavors: { [FLAVOR]: FraudctlFlavor } & Record<string, unknown>;
  mlflow_version: string;
  model_uuid: string;
  run_id: string;
  signature: { inputs: string; outputs: string };
  utc_time_created: string;
};

export interface MlmodelInput {
  runId: string;
  artifactPath?: string;
  modelFile?: string;
  featureNames: readonly string[];
  fraudctlVersion: string;
  createdAt: Date;
  /** Version of the model file's own format (src/model). */
  formatVersion?: number;
  /** 32 hex digits; random when not given. */
  modelUuid?: string;
}

/** `datetime.utcnow()` as str() prints it: 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function utcTimeCreated(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(d.getUTCMilliseconds() * 1000).padStart(6, '0')}`;
}

export function buildMlmodel(input: MlmodelInput): Mlmodel {
  return {
    artifact_path: input.artifactPath ?? 'model',
    flavors: {
      [FLAVOR]: {
        model_file: input.modelFile ?? 'model.bin',
        format_version: input.formatVersion ?? 1,
        fraudctl_version: input.fraudctlVersion,
        features: [...input.featureNames],
      },
    },
    mlflow_version: MLFLOW_VERSION,
    model_uuid: input.modelUuid ?? randomUUID().replace(/-/g, ''),
    run_id: input.runId,
    // Column-based schema strings, as ModelSignature.to_dict() holds them (json.dumps of a list).
    signature: {
      inputs: pythonJsonDumps(input.featureNames.map((name) => ({ name, type: 'double' }))),
      outputs: pythonJsonDumps([{ type: 'double' }]),
    },
    utc_time_created: utcTimeCreated(input.createdAt),
  };
}

/** Writes a model directory: MLmodel (YAML), the model file, features.json (the names in order). */
export async function writeModelDir(dir: string, o: { mlmodel: Mlmodel; modelBytes: Buffer; featureNames: readonly string[] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, o.mlmodel.flavors[FLAVOR].model_file), o.modelBytes);
  await writeFile(join(dir, FEATURES_FILE), `${JSON.stringify(o.featureNames)}\n`);
  // MLmodel last: a directory with an MLmodel is a complete model.
  await writeFile(join(dir, MLMODEL_FILE), toPyYaml(o.mlmodel));
}

/** Reads a model directory written by writeModelDir (or downloaded from MLflow); exit 3 otherwise. */
export async function readModelDir(dir: string): Promise<{ mlmodel: Mlmodel; modelPath: string; featureNames: string[] }> {
  const text = await readTextIfExists(join(dir, MLMODEL_FILE));
  if (text === undefined) throw dataError(`${dir} is not an MLflow model: it has no MLmodel file`);
  let parsed: unknown;
  try {
    parsed = parsePyYaml(text);
  } catch (e) {
    throw dataError(`${join(dir, MLMODEL_FILE)} is not valid YAML: ${(e as Error).message}`);
  }
  const flavors = (parsed as { flavors?: Record<string, unknown> } | null)?.flavors ?? {};
  const flavor = flavors[FLAVOR] as Partial<FraudctlFlavor> | undefined;
  if (!flavor || typeof flavor.model_file !== 'string') {
    const found = Object.keys(flavors);
    throw dataError(`${dir} is not a fraudctl model: MLmodel has no ${FLAVOR} flavor (flavors: ${found.length ? found.join(', ') : 'none'})`);
  }
  const modelPath = join(dir, flavor.model_file);
  if (!(await stat(modelPath).catch(() => undefined))?.isFile()) throw dataError(`${dir}: the model file ${flavor.model_file} named in MLmodel is missing`);
  const featureNames = await readFeatureNames(dir, flavor);
  return { mlmodel: parsed as Mlmodel, modelPath, featureNames };
}

async function readFeatureNames(dir: string, flavor: Partial<FraudctlFlavor>): Promise<string[]> {
  const fromFlavor = Array.isArray(flavor.features) ? flavor.features.map(String) : undefined;
  const text = await readTextIfExists(join(dir, FEATURES_FILE));
  if (text === undefined) {
    if (fromFlavor) return fromFlavor;
    throw dataError(`${dir} has neither ${FEATURES_FILE} nor a feature list in MLmodel`);
  }
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw dataError(`${join(dir, FEATURES_FILE)} must hold a JSON list of feature names`);
  if (fromFlavor && fromFlavor.join('\u0000') !== names.join('\u0000')) {
    throw dataError(`${dir}: ${FEATURES_FILE} and the MLmodel flavor list different features`);
  }
  return names as string[];
}
