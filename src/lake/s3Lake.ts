import type { Config } from '../config.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Lake } from './lake.js';

// Placeholder until the S3 lake (issue 8) lands.
export const S3Lake = {
  async create(_config: Config, _log: Logger, _cwd: string): Promise<Lake> {
    throw new FraudctlError('s3:// lakes are not supported yet', ExitCode.Usage);
  },
};
