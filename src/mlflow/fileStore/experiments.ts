import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, FraudctlError, usageError } from '../../errors.js';
import { toPyYaml } from './pyFormat.js';
import { createFileOnce, listDirs, readYamlIfExists, writeYamlAtomic } from './files.js';
import { withLockFile } from '../../util/lock.js';
import { DEFAULT_EXPERIMENT_ID, experimentMeta, META, MODELS, TRASH, type ExperimentMeta } from './layout.js';
import { validateExperimentId, validateExperimentName } from './validate.js';

/** Lock file held while an experiment is looked up and created by name. A file, not a folder:
 * MLflow takes every folder of the root (but .trash and models) for an experiment. */
const EXPERIMENT_LOCK = '.fraudctl-experiments.lock';

/** Root, .trash, models and the Default experiment 0, as MLflow's FileStore creates them. */
export async function ensureRoot(root: string, now: number): Promise<void> {
  await mkdir(join(root, TRASH), { recursive: true });
  await mkdir(join(root, MODELS), { recursive: true });
  const dir = join(root, DEFAULT_EXPERIMENT_ID);
  await mkdir(dir, { recursive: true });
  // Two processes opening a new store at once both get here: only one meta.yaml is written.
  await createFileOnce(join(dir, META), toPyYaml({ ...experimentMeta(root, DEFAULT_EXPERIMENT_ID, 'Default', now) }), dir);
}

/**
 * A new id the way MLflow's `_generate_unique_integer_id` makes it: 18 decimal digits, the first
 * not 0 (ids sort and compare as strings elsewhere; a leading zero would change the number).
 */
export function newExperimentId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 1; i < 18; i++) id += String(randomInt(0, 10));
  return id;
}

export interface FoundExperiment {
  meta: ExperimentMeta;
  dir: string;
  deleted: boolean;
}

async function readExperimentDir(dir: string, deleted: boolean): Promise<FoundExperiment | undefined> {
  const meta = await readYamlIfExists(join(dir, META));
  if (!meta) return undefined;
  return { meta: { ...(meta as unknown as ExperimentMeta), experiment_id: String(meta.experiment_id) }, dir, deleted };
}

/** Every experiment with a meta.yaml, active ones first, then those in .trash. */
export async function listExperiments(root: string): Promise<FoundExperiment[]> {
  const out: FoundExperiment[] = [];
  for (const id of await listDirs(root)) {
    if (id === MODELS) continue;
    const e = await readExperimentDir(join(root, id), false);
    if (e) out.push(e);
  }
  for (const id of await listDirs(join(root, TRASH))) {
    const e = await readExperimentDir(join(root, TRASH, id), true);
    if (e) out.push(e);
  }
  return out;
}

export async function getExperiment(root: string, id: string): Promise<FoundExperiment | undefined> {
  validateExperimentId(id);
  return (await readExperimentDir(join(root, id), false)) ?? (await readExperimentDir(join(root, TRASH, id), true));
}

async function findByName(root: string, name: string): Promise<FoundExperiment | undefined> {
  const all = (await listExperiments(root)).filter((e) => e.meta.name === name);
  return all.find((e) => !e.deleted && e.meta.lifecycle_stage !== 'deleted') ?? all[0];
}

/** An experiment by name or id, as the tracker reports it; undefined when absent. */
export async function findExperiment(root: string, by: { name: string } | { id: string }): Promise<{ id: string; name: string; active: boolean } | undefined> {
  const found = 'name' in by ? await findByName(root, by.name) : await getExperiment(root, by.id);
  return found && { id: found.meta.experiment_id, name: found.meta.name, active: !found.deleted && found.meta.lifecycle_stage !== 'deleted' };
}

function activeId(found: FoundExperiment): string {
  if (found.deleted || found.meta.lifecycle_stage === 'deleted') {
    throw usageError(
      `MLflow experiment '${found.meta.name}' (id ${found.meta.experiment_id}) is deleted`,
      'restore it (mlflow experiments restore) or remove it from .trash, or use another --experiment',
    );
  }
  return found.meta.experiment_id;
}

/**
 * The id of the active experiment `name`, created when absent. Lookup and creation happen under a
 * lock file, and the lookup is repeated once the lock is held, so two processes starting at once
 * end up in the same experiment instead of two experiments with one name.
 */
export async function getOrCreateExperiment(root: string, name: string, now: () => number): Promise<string> {
  validateExperimentName(name);
  const found = await findByName(root, name);
  if (found) return activeId(found);
  return withLockFile(join(root, EXPERIMENT_LOCK), async () => {
    const again = await findByName(root, name);
    if (again) return activeId(again);
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = newExperimentId();
      const dir = join(root, id);
      try {
        await mkdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      await writeYamlAtomic(join(dir, META), { ...experimentMeta(root, id, name, now()) });
      return id;
    }
    throw new FraudctlError(`could not find a free experiment id under ${root}`, ExitCode.Bug);
  });
}
