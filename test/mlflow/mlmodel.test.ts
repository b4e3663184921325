import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { buildMlmodel, readModelDir, utcTimeCreated, writeModelDir } from '../../src/mlflow/mlmodel.js';

const createdAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const features = ['amount', 'customer_tx_count_1d'];
const tmp = () => mkdtempSync(join(tmpdir(), 'fraudctl-mlmodel-'));

describe('MLmodel', () => {
  it('builds the MLflow 2.x model dict with the fraudctl_forest flavor', () => {
    const m = buildMlmodel({ runId: 'abc123', featureNames: features, fraudctlVersion: '0.1.0', createdAt, modelUuid: '0123456789abcdef0123456789abcdef' });
    expect(m).toEqual({
      artifact_path: 'model',
      flavors: { fraudctl_forest: { model_file: 'model.bin', format_version: 1, fraudctl_version: '0.1.0', features } },
      mlflow_version: m.mlflow_version,
      model_uuid: '0123456789abcdef0123456789abcdef',
      run_id: 'abc123',
      signature: {
        inputs: '[{"name": "amount", "type": "double"}, {"name": "customer_tx_count_1d", "type": "double"}]',
        outputs: '[{"type": "double"}]',
      },
      utc_time_created: '2026-01-02 03:04:05.678000',
    });
    expect(m.mlflow_version).toMatch(/^2\.\d+\.\d+$/);
    expect(buildMlmodel({ runId: 'r', featureNames: [], fraudctlVersion: 'x', createdAt }).model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('formats utc_time_created with microseconds, zero-padded', () => {
    expect(utcTimeCreated(new Date(Date.UTC(2025, 2, 9, 0, 0, 0, 5)))).toBe('2025-03-09 00:00:00.005000');
  });

  it('writes MLmodel (sorted YAML), the model file and features.json, and reads them back', async () => {
    const dir = join(tmp(), 'model');
    const mlmodel = buildMlmodel({ runId: 'abc123', featureNames: features, fraudctlVersion: '0.1.0', createdAt, modelUuid: 'f'.repeat(32) });
    await writeModelDir(dir, { mlmodel, modelBytes: Buffer.from('FRST'), featureNames: features });

    const text = readFileSync(join(dir, 'MLmodel'), 'utf8');
    expect(text.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      'artifact_path: model',
      'flavors:',
      'mlflow_version: 2.16.2',
      `model_uuid: ${'f'.repeat(32)}`,
      'run_id: abc123',
      'signature:',
      "utc_time_created: '2026-01-02 03:04:05.678000'", // quoted: a timestamp in YAML 1.1
    ]);
    expect(readFileSync(join(dir, 'model.bin'), 'utf8')).toBe('FRST');
    expect(JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8'))).toEqual(features);

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
