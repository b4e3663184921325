import { CONFIG_FILE_ENV, DEFAULT_FILE } from '../config.js';
import { option, setting, toggle, type OptionValues } from './optionTable.js';

/** The options every command takes (registered on the program; commands read them merged with their own). */
export const GLOBAL_OPTIONS = {
  lake: setting('lake'),
  config: option('--config <file>', `configuration file; default ./${DEFAULT_FILE} when present`, String, { env: CONFIG_FILE_ENV }),
  logLevel: setting('logLevel'),
  quiet: toggle('-q, --quiet', 'only warnings and errors on stderr, no progress bars'),
  json: toggle('--json', 'print one JSON summary as the last stdout line (and no other stdout); errors too, as {"ok": false, ...}'),
  s3Endpoint: setting('s3Endpoint'),
  s3Region: setting('s3Region'),
  s3PathStyle: setting('s3PathStyle', { help: 'path-style S3 addressing, endpoint/bucket/key', negation: 'virtual-host S3 addressing, bucket.endpoint/key' }),
  s3Mode: setting('s3Mode'),
  duckdbExtensionDir: setting('duckdbExtensionDir', { help: 'pre-filled DuckDB extension directory holding httpfs (air-gapped hosts)' }),
};

export type GlobalOptions = OptionValues<typeof GLOBAL_OPTIONS>;
