import { randomUUID } from 'node:crypto';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError } from '../errors.js';
import { ForestModel } from '../model/forest/index.js';
import { forestToOnnx, ONNX_OUTPUT } from '../model/onnx/forestToOnnx.js';
import { CONDA_FILE, MODEL_ENV, modelEnvFiles, PYTHON_ENV_FILE } from './modelEnv.js';
import { readTextIfExists } from './fileStore/files.js';
import { parsePyYaml, pythonJsonDumps, toPyYaml } from './fileStore/pyFormat.js';

/**
 * The MLmodel file of a logged fraudctl model. One directory, three flavors: `fraudctl_forest`
 * (model.bin, fraudctl's own fast format, what `fraudctl score` reads), and the `onnx` +
 * `python_function` flavors exactly as `mlflow.onnx.log_model` writes them (model.onnx, the same
 * forest as an ONNX tree ensemble), so `mlflow.pyfunc.load_model(uri).predict(df)` works in Python.
 */
export const FLAVOR = 'fraudctl_forest';
export const MLMODEL_FILE = 'MLmodel';
export const FEATURES_FILE = 'features.json';
export const ONNX_FILE = 'model.onnx';
/**
 * The MLflow version whose MLmodel format this file follows and which requirements.txt pins: the
 * 3.x the suite tests with (MLflow 2.17 loads it too, tested). Python writes its own version here.
 */
export const MLFLOW_VERSION = MODEL_ENV.mlflow;
/** What `mlflow.onnx` lists by default (it falls back to the CPU when CUDA is absent). */
const ONNX_PROVIDERS = ['CUDAExecutionProvider', 'CPUExecutionProvider'];

export type FraudctlFlavor = { model_file: string; format_version: number; fraudctl_version: string; features: string[] };

export type Mlmodel = {
  artifact_path: string;
  flavors: { [FLAVOR]: FraudctlFlavor } & Record<string, unknown>;
  mlflow_version: string;
  /** Bytes of the model's data files, as Python's get_total_file_size before the MLmodel is written. */
  model_size_bytes?: number;
  model_uuid: string;
  run_id: string;
  signature: { inputs: string; outputs: string; params: null };
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
      onnx: { code: null, data: ONNX_FILE, onnx_session_options: null, onnx_version: MODEL_ENV.requirements.onnx, providers: ONNX_PROVIDERS },
      python_function: {
        data: ONNX_FILE,
        env: { conda: CONDA_FILE, virtualenv: PYTHON_ENV_FILE },
        loader_module: 'mlflow.onnx',
        python_version: MODEL_ENV.python,
      },
    },
    mlflow_version: MLFLOW_VERSION,
    model_uuid: input.modelUuid ?? randomUUID().replace(/-/g, ''),
    run_id: input.runId,
    // Column-based schema strings, as ModelSignature.to_dict() holds them (json.dumps of a list).
    // The features are DOUBLE in the marts, so a DataFrame of them passes MLflow's schema check; the
    // output is the ONNX operator's float32 column.
    signature: {
      inputs: pythonJsonDumps(input.featureNames.map((name) => ({ type: 'double', name, required: true }))),
      outputs: pythonJsonDumps([{ type: 'float', name: ONNX_OUTPUT, required: true }]),
      params: null,
    },
    utc_time_created: utcTimeCreated(input.createdAt),
  };
}

/**
 * Writes a model directory: the model file, model.onnx (the same forest), features.json (the names
 * in order), the environment files, and MLmodel. Sets `mlmodel.model_size_bytes`, so the object
 * passed on to `logModel` is the file's content.
 */
export async function writeModelDir(dir: string, o: { mlmodel: Mlmodel; modelBytes: Buffer; featureNames: readonly string[] }): Promise<void> {
  await mkdir(dir, { recursive: true });
  const onnx = forestToOnnx(ForestModel.fromBuffer(o.modelBytes, o.featureNames), { producerVersion: o.mlmodel.flavors[FLAVOR].fraudctl_version });
  const data: [string, Buffer | string][] = [
    [o.mlmodel.flavors[FLAVOR].model_file, o.modelBytes],
    [ONNX_FILE, onnx],
    [FEATURES_FILE, `${JSON.stringify(o.featureNames)}\n`],
  ];
  for (const [name, bytes] of data) await writeFile(join(dir, name), bytes);
  o.mlmodel.model_size_bytes = data.reduce((s, [, b]) => s + Buffer.byteLength(b), 0);
  for (const [name, text] of Object.entries(modelEnvFiles())) await writeFile(join(dir, name), text);
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
