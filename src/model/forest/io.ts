/** Model files on disk: written atomically, read with the checks of modelFile.ts. */
import { readFile } from 'node:fs/promises';
import { atomicWriteFile } from '../../util/atomicWrite.js';
import { dataError } from '../../errors.js';
import { ForestModel } from './model.js';

/** Writes to a temporary name and renames, so a reader never sees half a model. */
export async function saveForest(model: ForestModel, path: string): Promise<void> {
  await atomicWriteFile(path, model.toBuffer());
}

/** Reads a model file; with expectedFeatureNames, fails (exit 3) if the model was built on other features. */
export async function loadForest(path: string, expectedFeatureNames?: readonly string[]): Promise<ForestModel> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw dataError(`model file ${path} does not exist`);
    throw err;
  }
  try {
    return ForestModel.fromBuffer(buf, expectedFeatureNames);
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`;
    throw err;
  }
}
