import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { venvPython } from './python.js';

export interface S3ServerHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** What fraudctl and MLflow's boto3 need to use this endpoint. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const launcher = resolve(import.meta.dirname, 'moto_s3.py');

/**
 * moto's S3 in server mode (venv `moto`, scripts/python/moto.txt) on 127.0.0.1 and a free port,
 * verifying SigV4 on every request: a wrong secret gets SignatureDoesNotMatch, an unknown key id
 * InvalidAccessKeyId (test/helpers/moto_s3.py creates the IAM user, its key and the buckets before
 * it serves). Objects live in the server's memory and go with close(). One per test file.
 */
export async function startS3Server(buckets: string[] = ['lake']): Promise<S3ServerHandle> {
  const child = spawn(venvPython('moto'), [launcher, ...buckets], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const first = await new Promise<string>((ok, fail) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`moto S3 server did not start within 30 s\n${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      ok(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`moto S3 server exited (${code}) before it was ready\n${stderr}`));
    });
    child.once('error', (e) => fail(e));
  });
  const { port, accessKeyId, secretAccessKey } = JSON.parse(first) as { port: number; accessKeyId: string; secretAccessKey: string };
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    env: {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: region,
      FRAUDCTL_S3_ENDPOINT: endpoint,
      FRAUDCTL_S3_PATH_STYLE: 'true',
      MLFLOW_S3_ENDPOINT_URL: endpoint,
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
