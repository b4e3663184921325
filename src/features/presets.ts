import type { FeatureSpecInput } from './parseFeatureSpec.js';
import { handbookSpec } from './presets/handbook.js';
import { seedSpec } from './presets/seed.js';

/**
 * Both presets in one spec: every feature of handbook, then seed's (tx_amount once). Mart columns
 * of the same name must mean the same aggregate (they are taken once, from handbook).
 */
function unionOf(name: string, a: FeatureSpecInput, b: FeatureSpecInput): FeatureSpecInput {
  const marts: FeatureSpecInput['marts'] = {};
  for (const entity of ['customer', 'terminal'] as const) {
    const seen = new Set((a.marts[entity] ?? []).map((x) => x.name));
    marts[entity] = [...(a.marts[entity] ?? []), ...(b.marts[entity] ?? []).filter((x) => !seen.has(x.name))];
  }
  const key = (f: FeatureSpecInput['features'][number]) => (typeof f === 'string' ? f : f.name);
  const have = new Set(a.features.map(key));
  return { name, description: `${a.name} and ${b.name} together`, marts, features: [...a.features, ...b.features.filter((f) => !have.has(key(f)))] };
}

export const PRESETS: Record<string, FeatureSpecInput> = {
  handbook: handbookSpec,
  seed: seedSpec,
  union: unionOf('union', handbookSpec, seedSpec),
};

export const DEFAULT_PRESET = 'handbook';
