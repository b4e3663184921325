import { dataError } from '../errors.js';
import type { Tracker } from '../mlflow/tracker.js';

/**
 * The model to score with when --model is not given: the `champion` alias on a tracking server;
 * in the embedded store the champion when one is set, else the newest registered version.
 */
export async function defaultModelUri(tracker: Tracker, name: string): Promise<string> {
  const champion = await tracker.getModelVersionByAlias(name, 'champion');
  if (champion) return `models:/${name}@champion`;
  if (tracker.kind === 'rest') {
    throw dataError(`registered model '${name}' has no 'champion' alias on ${tracker.uri}`, `promote a version: fraudctl mlflow promote ${name} VERSION, or pass --model`);
  }
  const versions = await tracker.listModelVersions(name);
  if (versions.length === 0) {
    throw dataError(`no model to score with: '${name}' has no registered version in ${tracker.uri}`, 'train one with `fraudctl train`, or pass --model PATH | models:/NAME@ALIAS | models:/NAME/VERSION | runs:/RUN_ID/model');
  }
  return `models:/${name}/${versions[0].version}`;
}
