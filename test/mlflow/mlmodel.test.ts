import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { buildMlmodel, readModelDir, utcTimeCreated, writeModelDir } from '../../src/mlflow/mlmodel.js';
import { MODEL_ENV } from '../../src/mlflow/modelEnv.js';
import { tinyForest } from '../model/onnx/tinyForest.js';

const createdAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const features = ['amount', 'customer_tx_count_1d'];
const tmp = () => mkdtempSync(join(tmpdir(), 'fraudctl-mlmodel-'));

describe('MLmodel', () => {
  it('builds the model dict with the fraudctl_forest, onnx and python_function flavors', () => {
    const m = buildMlmodel({ runId: 'abc123', featureNames: features, fraudctlVersion: '0.1.0', createdAt, modelUuid: '0123456789abcdef0123456789abcdef' });
    expect(m).toEqual({
      artifact_path: 'model',
      flavors: {
        fraudctl_forest: { model_file: 'model.bin', format_version: 1, fraudctl_version: '0.1.0', features },
        onnx: { code: null, data: 'model.onnx', onnx_session_options: null, onnx_version: MODEL_ENV.requirements.onnx, providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
        python_function: { data: 'model.onnx', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' }, loader_module: 'mlflow.onnx', python_version: MODEL_ENV.python },
      },
      mlflow_version: m.mlflow_version,
      model_uuid: '0123456789abcdef0123456789abcdef',
      run_id: 'abc123',
      signature: {
        inputs: '[{"type": "double", "name": "amount", "required": true}, {"type": "double", "name": "customer_tx_count_1d", "required": true}]',
        outputs: '[{"type": "float", "name": "fraud_probability", "required": true}]',
        params: null,
      },
      utc_time_created: '2026-01-02 03:04:05.678000',
    });
    expect(m.mlflow_version).toBe(MODEL_ENV.mlflow);
    expect(buildMlmodel({ runId: 'r', featureNames: [], fraudctlVersion: 'x', createdAt }).model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('formats utc_time_created with microseconds, zero-padded', () => {
    expect(utcTimeCreated(new Date(Date.UTC(2025, 2, 9, 0, 0, 0, 5)))).toBe('2025-03-09 00:00:00.005000');
  });

  it('writes MLmodel (sorted YAML), the model file, model.onnx, features.json and the env files, and reads them back', async () => {
    const dir = join(tmp(), 'model');
    const mlmodel = buildMlmodel({ runId: 'abc123', featureNames: features, fraudctlVersion: '0.1.0', createdAt, modelUuid: 'f'.repeat(32) });
    const { model } = await tinyForest(features, { rows: 300, trees: 2, depth: 2 });
    const modelBytes = model.toBuffer();
    await writeModelDir(dir, { mlmodel, modelBytes, featureNames: features });

    const text = readFileSync(join(dir, 'MLmodel'), 'utf8');
    expect(text.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      'artifact_path: model',
      'flavors:',
      `mlflow_version: ${MODEL_ENV.mlflow}`,
      `model_size_bytes: ${mlmodel.model_size_bytes}`,
      `model_uuid: ${'f'.repeat(32)}`,
      'run_id: abc123',
      'signature:',
      "utc_time_created: '2026-01-02 03:04:05.678000'", // quoted: a timestamp in YAML 1.1
    ]);
    expect(readFileSync(join(dir, 'model.bin'))).toEqual(modelBytes);
    expect(JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8'))).toEqual(features);
    // As Python: the data files' bytes, counted before the MLmodel and the env files are written.
    const dataBytes = ['model.bin', 'model.onnx', 'features.json'].reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    expect(mlmodel.model_size_bytes).toBe(dataBytes);
    expect(readFileSync(join(dir, 'requirements.txt'), 'utf8').split('\n')).toEqual([`mlflow==${MODEL_ENV.mlflow}`, `numpy==${MODEL_ENV.requirements.numpy}`, `onnx==${MODEL_ENV.requirements.onnx}`, `onnxruntime==${MODEL_ENV.requirements.onnxruntime}`]);
    expect(readFileSync(join(dir, 'python_env.yaml'), 'utf8')).toContain('- -r requirements.txt\n');
    expect(readFileSync(join(dir, 'conda.yaml'), 'utf8')).toContain(`  - mlflow==${MODEL_ENV.mlflow}\n`);

    const back = await readModelDir(dir);
    expect(back.mlmodel).toEqual(mlmodel);
    expect(back.modelPath).toBe(join(dir, 'model.bin'));
    expect(back.featureNames).toEqual(features);
  });

  it('says clearly (exit 3) when a directory is not a fraudctl model', async () => {
    const empty = tmp();
    await expect(readModelDir(empty)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('no MLmodel file') });

    const sklearn = tmp();
    writeFileSync(join(sklearn, 'MLmodel'), 'flavors:\n  python_function: {loader_module: mlflow.sklearn}\n  sklearn: {pickled_model: model.pkl}\n');
    const err = await readModelDir(sklearn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FraudctlError);
    expect((err as FraudctlError).exitCode).toBe(3);
    expect((err as FraudctlError).message).toContain('no fraudctl_forest flavor (flavors: python_function, sklearn)');

    const noFile = join(tmp(), 'm');
    mkdirSync(noFile);
    writeFileSync(join(noFile, 'MLmodel'), 'flavors:\n  fraudctl_forest: {model_file: model.bin, features: [a]}\n');
    await expect(readModelDir(noFile)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('model.bin') });

    writeFileSync(join(noFile, 'model.bin'), 'x');
    writeFileSync(join(noFile, 'features.json'), '["b"]');
    await expect(readModelDir(noFile)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('different features') });
  });
});
