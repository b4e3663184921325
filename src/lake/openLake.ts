import type { LakeSettings } from '../config.js';
import type { Logger } from '../log.js';
import type { Lake } from './lake.js';
import { LocalLake } from './localLake.js';

/** The lake named by the configuration: local directory, or s3://bucket/prefix. */
export async function openLake(config: LakeSettings, log: Logger, cwd: string): Promise<Lake> {
  if (config.lake.startsWith('s3://')) {
    const { S3Lake } = await import('./s3Lake.js');
    return S3Lake.create(config, log, cwd);
  }
  return new LocalLake(config.lake, cwd);
}
