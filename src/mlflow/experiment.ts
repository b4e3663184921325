import { ExitCode, FraudctlError } from '../errors.js';
import type { Tracker } from './tracker.js';

/**
 * The experiment a command's runs go to. `name` when it was given (flag, MLFLOW_EXPERIMENT_NAME or
 * the config file) or when no id was; `id` from MLFLOW_EXPERIMENT_ID. A plain string is a name.
 */
export type ExperimentRef = string | { name?: string; id?: string };

export interface FoundExperimentRef {
  id: string;
  name: string;
  /** false when the experiment is deleted (in the trash). */
  active: boolean;
}

/**
 * The experiment selected by the settings, with MLflow's own precedence (mlflow.tracking.fluent's
 * `_get_experiment_id_from_env`): a given name decides, and an id given as well must be that
 * experiment's; an id alone selects by id; neither, the default name. `nameSource` is where the
 * configuration took the name from ('default' when nobody set it).
 */
export function experimentRef(config: { experiment: string; experimentId?: string }, nameSource: string | undefined): ExperimentRef {
  if (!config.experimentId) return config.experiment;
  return nameSource === undefined || nameSource === 'default' ? { id: config.experimentId } : { name: config.experiment, id: config.experimentId };
}

const describe = (ref: ExperimentRef) => (typeof ref === 'string' ? `'${ref}'` : ref.name !== undefined ? `'${ref.name}'${ref.id ? ` (MLFLOW_EXPERIMENT_ID=${ref.id})` : ''}` : `with MLFLOW_EXPERIMENT_ID=${ref.id}`);

/**
 * The experiment `ref` selects in `tracker`, created when `create` and it is a name that does not
 * exist yet (train). Without `create` (read-only commands) nothing is created, and an experiment
 * that does not exist is a configuration error (exit 2) naming it and the store. An id that does
 * not exist, or does not match the name given with it, is exit 2 as well (MLflow raises there too).
 */
export async function resolveExperiment(tracker: Tracker, ref: ExperimentRef, o: { create: boolean }): Promise<{ id: string; name: string }> {
  const found = await findSelected(tracker, ref);
  if (found) return found;
  const name = typeof ref === 'string' ? ref : ref.name;
  if (o.create && name !== undefined && (typeof ref === 'string' || ref.id === undefined)) return { id: await tracker.getOrCreateExperiment(name), name };
  throw new FraudctlError(`no MLflow experiment ${describe(ref)} in ${tracker.uri}`, ExitCode.Usage, {
    hint: 'check the name or id (--experiment, MLFLOW_EXPERIMENT_NAME, MLFLOW_EXPERIMENT_ID) and the store (--tracking-uri / MLFLOW_TRACKING_URI); `fraudctl train` creates an experiment by name',
  });
}

/** The selected experiment when it exists (undefined otherwise); never creates. Exit 2 on a name/id mismatch or a deleted one. */
export async function findSelected(tracker: Tracker, ref: ExperimentRef): Promise<{ id: string; name: string } | undefined> {
  const name = typeof ref === 'string' ? ref : ref.name;
  const id = typeof ref === 'string' ? undefined : ref.id;
  const found = await tracker.findExperiment(name !== undefined ? { name } : { id: id! });
  if (found && name !== undefined && id !== undefined && found.id !== id) {
    throw new FraudctlError(`MLFLOW_EXPERIMENT_ID=${id} does not match experiment '${name}' (id ${found.id}) in ${tracker.uri}`, ExitCode.Usage, {
      hint: 'unset one of them: when both are set the name (--experiment / MLFLOW_EXPERIMENT_NAME) decides, and they must agree',
    });
  }
  return found && { id: active(found, tracker.uri), name: found.name };
}

function active(found: FoundExperimentRef, where: string): string {
  if (!found.active) {
    throw new FraudctlError(`MLflow experiment '${found.name}' (id ${found.id}) in ${where} is deleted`, ExitCode.Usage, {
      hint: 'restore it (MLflow UI, or mlflow experiments restore), or choose another with --experiment / MLFLOW_EXPERIMENT_NAME / MLFLOW_EXPERIMENT_ID',
    });
  }
  return found.id;
}
