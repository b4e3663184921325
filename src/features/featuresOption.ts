import { DEFAULT_PRESET, PRESETS } from './presets.js';

/** `--features PRESET|FILE`: the help line every command that builds or reads marts shows. */
export const FEATURES_FLAG = '--features <preset|file>';
export const FEATURES_HELP = `feature spec: a preset (${Object.keys(PRESETS).join(', ')}; default ${DEFAULT_PRESET}) or a JSON spec file (README "Feature specs")`;
