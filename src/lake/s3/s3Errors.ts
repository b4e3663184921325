import { ExitCode, FraudctlError } from '../../errors.js';

/** What the SDK puts on a failed command: the S3 error code as `name`, the HTTP status, attempts. */
interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** Error codes that mean "these credentials may not do this": a configuration problem (exit 2). */
const CREDENTIAL_CODES: Record<string, string> = {
  InvalidAccessKeyId: 'the access key id is not known to the endpoint',
  SignatureDoesNotMatch: 'the secret access key does not match the access key id',
  AccessDenied: 'the credentials are not allowed to do this',
  InvalidToken: 'the session token is malformed or invalid',
  ExpiredToken: 'the session token has expired',
  TokenRefreshRequired: 'the session token must be refreshed',
  InvalidSecurity: 'the security credentials are invalid',
  AuthorizationHeaderMalformed: 'the request was signed for another region (check --s3-region)',
  PermanentRedirect: 'the bucket lives at another endpoint or region (check --s3-endpoint / --s3-region)',
  Forbidden: 'the endpoint refused the credentials (HTTP 403)',
  Unauthorized: 'the endpoint refused the credentials (HTTP 401)',
  CredentialsProviderError: 'no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
};

export interface S3Where {
  /** What was being done: 'list transactions', 'upload s3://b/k'. */
  op: string;
  bucket: string;
  endpoint?: string;
}

export function errorCode(e: unknown): string {
  const err = e as SdkError;
  return err.Code ?? (err.name && err.name !== 'Error' && err.name !== 'S3ServiceException' ? err.name : undefined) ?? err.code ?? 'UnknownError';
}

export function httpStatus(e: unknown): number | undefined {
  return (e as SdkError).$metadata?.httpStatusCode;
}

export function isNotFound(e: unknown): boolean {
  const code = errorCode(e);
  return code === 'NoSuchKey' || code === 'NotFound' || (httpStatus(e) === 404 && code !== 'NoSuchBucket');
}

/**
 * An SDK failure as a fraudctl error: credentials refused or other 4xx → 2 (do not retry), a
 * missing bucket → 2 naming it, an object gone between listing and download → 3, 5xx or a
 * network failure after the SDK's retries → 4 (retry later).
 * The message is built from the error code and a fixed explanation; the server's own text never
 * appears (some stores echo the string-to-sign), and neither does any credential.
 */
export function s3Failure(e: unknown, where: S3Where): FraudctlError {
  if (e instanceof FraudctlError) return e;
  const code = errorCode(e);
  const status = httpStatus(e);
  const at = where.endpoint ? ` at ${where.endpoint}` : '';
  if (code === 'NoSuchBucket' || (status === 404 && where.op.startsWith('check bucket'))) {
    return new FraudctlError(`S3 bucket '${where.bucket}' does not exist${at} (${where.op}: NoSuchBucket)`, ExitCode.Usage, {
      hint: 'create the bucket, or fix --lake s3://bucket/prefix and --s3-endpoint',
      cause: e,
    });
  }
  if (code === 'NoSuchKey') {
    // Listed or HEADed a moment ago, gone by the GET: someone deleted it meanwhile.
    return new FraudctlError(`S3 object vanished during ${where.op} in bucket '${where.bucket}'${at} (NoSuchKey)`, ExitCode.Data, { cause: e });
  }
  if (CREDENTIAL_CODES[code] !== undefined || status === 401 || status === 403) {
    const why = CREDENTIAL_CODES[code] ?? `HTTP ${status}`;
    return new FraudctlError(`S3 refused ${where.op} in bucket '${where.bucket}'${at}: ${code} (${why})`, ExitCode.Usage, {
      hint: 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), --s3-region and the bucket policy',
      cause: e,
    });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new FraudctlError(`S3 rejected ${where.op} in bucket '${where.bucket}'${at}: ${code} (HTTP ${status})`, ExitCode.Usage, { cause: e });
  }
  const attempts = (e as SdkError).$metadata?.attempts;
  const tries = attempts !== undefined ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return new FraudctlError(`S3 unavailable${at}: ${where.op} in bucket '${where.bucket}' failed${tries}: ${code}${status ? ` (HTTP ${status})` : ''}`, ExitCode.Unavailable, {
    hint: 'the endpoint is down or unreachable; retry later (exit 4)',
    cause: e,
  });
}

/**
 * s3Failure, except that a HEAD refused with 400/401/403 (a HEAD answer has no body, hence no S3
 * error code) is asked again through `relist`, a listing whose XML body names the code
 * (InvalidAccessKeyId, SignatureDoesNotMatch…).
 */
export async function explainS3Error(e: unknown, where: S3Where, relist: () => Promise<unknown>): Promise<FraudctlError> {
  const status = httpStatus(e);
  if ((status === 400 || status === 401 || status === 403) && (e as SdkError).Code === undefined) {
    try {
      await relist();
    } catch (coded) {
      if ((coded as SdkError).Code !== undefined) return s3Failure(coded, where);
    }
  }
  return s3Failure(e, where);
}
