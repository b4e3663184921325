import type { Dataset, Lake } from '../lake/lake.js';
import type { Entity } from './featureSpec.js';
import { DEFAULT_PRESET } from './presets.js';

/** A mart dataset of the lake and the feature spec it belongs to. */
export interface SpecMartDataset {
  dataset: Dataset;
  spec: string;
  entity: Entity;
}

const ENTITIES: readonly Entity[] = ['customer', 'terminal'];

/**
 * Every spec's mart datasets present in the lake: the default preset's at features/<entity>,
 * every other spec's at features/<spec>/<entity> (martDataset), found by listing the folders
 * under features/ — so marts built with any preset or spec file show, not only the presets known
 * to this version. The default preset's come first, then the other specs by name.
 */
export async function specMartDatasets(lake: Lake): Promise<SpecMartDataset[]> {
  const out: SpecMartDataset[] = ENTITIES.map((entity) => ({ dataset: `features/${entity}`, spec: DEFAULT_PRESET, entity }));
  for (const spec of await lake.listFolders('features')) {
    if ((ENTITIES as readonly string[]).includes(spec)) continue;
    const inside = new Set(await lake.listFolders(`features/${spec}`));
    for (const entity of ENTITIES) if (inside.has(entity)) out.push({ dataset: `features/${spec}/${entity}`, spec, entity });
  }
  return out;
}
