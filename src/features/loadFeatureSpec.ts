import { readFile } from 'node:fs/promises';
import { usageError } from '../errors.js';
import type { Entity, FeatureSpec } from './featureSpec.js';
import { parseFeatureSpec } from './parseFeatureSpec.js';
import { DEFAULT_PRESET, PRESETS } from './presets.js';

export const PRESET_NAMES = Object.keys(PRESETS);

/** A built-in preset, validated like a file. */
export function presetSpec(name: string): FeatureSpec {
  const input = PRESETS[name];
  if (!input) throw usageError(`unknown feature preset "${name}" (presets: ${PRESET_NAMES.join(', ')}; or give a spec file path)`);
  return parseFeatureSpec(input, `preset ${name}`);
}

/**
 * `--features PRESET|FILE`: a preset name, or a path to a JSON spec file (anything with a
 * slash or a .json ending is a path). Unreadable or invalid files are usage errors (exit 2).
 */
export async function loadFeatureSpec(ref: string | undefined): Promise<FeatureSpec> {
  const name = ref ?? DEFAULT_PRESET;
  if (!/[/\\]|\.json$/i.test(name)) return presetSpec(name);
  let text: string;
  try {
    text = await readFile(name, 'utf8');
  } catch (e) {
    throw usageError(`cannot read the feature spec ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, `give a preset (${PRESET_NAMES.join(', ')}) or a readable JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw usageError(`feature spec ${name} is not valid JSON: ${(e as Error).message}`);
  }
  return parseFeatureSpec(json, name);
}

/**
 * The lake dataset of a spec's mart. The default preset keeps the historical paths
 * (features/customer, features/terminal) so existing lakes stay valid; any other spec's marts
 * live beside them under features/<spec>/…, so marts of different specs never clobber each other.
 */
export function martDataset(spec: { name: string }, entity: Entity): `features/${string}` {
  return spec.name === DEFAULT_PRESET ? `features/${entity}` : `features/${spec.name}/${entity}`;
}
