import { randomUUID } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { ExitCode, FraudctlError } from '../errors.js';
import * as pb from './connectProto.js';
import type { SparkRemote } from './sparkRemote.js';

export type SqlParams = Record<string, string | number>;

/** A SQL relation with named parameters (:name in the text) bound as literals, never spliced. */
function sqlRelation(query: string, params: SqlParams): Record<string, unknown> {
  const literal = (v: string | number) => (typeof v === 'string' ? { string: v } : Number.isInteger(v) ? { long: v } : { double: v });
  return { query, args: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, literal(v)])) };
}

/** Progress of a running Spark job as the server reports it (ExecutionProgress). */
export interface SparkProgress {
  tasks: number;
  done: number;
  inputBytes: number;
}

export interface SparkConnectOptions {
  /** Per-call deadline in seconds (a whole mart write is one call). */
  timeoutSeconds?: number;
  onProgress?: (p: SparkProgress) => void;
  signal?: AbortSignal;
}

/**
 * A Spark Connect session over gRPC, reduced to what fraudctl needs: set session settings, run
 * one SQL query into a parquet write, ask the version. One session id per client: the server
 * keeps its settings (e.g. the s3a credentials) between calls of that session.
 */
export class SparkConnect {
  readonly sessionId = randomUUID();
  private readonly userContext: { userId: string; userName: string };

  private constructor(
    private readonly client: grpc.Client,
    private readonly grpcLib: typeof grpc,
    readonly remote: SparkRemote,
    private readonly opts: SparkConnectOptions,
  ) {
    this.userContext = { userId: remote.userId, userName: remote.userId };
  }

  static async connect(remote: SparkRemote, opts: SparkConnectOptions = {}): Promise<SparkConnect> {
    const grpcLib = await import('@grpc/grpc-js');
    let creds = remote.useSsl ? grpcLib.credentials.createSsl() : grpcLib.credentials.createInsecure();
    if (remote.token !== undefined) {
      const token = remote.token;
      const bearer = grpcLib.credentials.createFromMetadataGenerator((_p, cb) => {
        const md = new grpcLib.Metadata();
        md.set('authorization', `Bearer ${token}`);
        cb(null, md);
      });
      creds = grpcLib.credentials.combineChannelCredentials(creds, bearer);
    }
    // Results and plans of fraudctl are small; the mart data itself never crosses this channel.
    const client = new grpcLib.Client(`${remote.host}:${remote.port}`, creds, { 'grpc.max_receive_message_length': 128 * 1024 * 1024 });
    return new SparkConnect(client, grpcLib, remote, opts);
  }

  close(): void {
    this.client.close();
  }

  private deadline(): grpc.CallOptions {
    return { deadline: Date.now() + (this.opts.timeoutSeconds ?? 3600) * 1000 };
  }

  private unary<T>(method: string, reqType: protobuf.Type, resType: protobuf.Type, body: Record<string, unknown>): Promise<T> {
    const req = reqType.fromObject({ sessionId: this.sessionId, userContext: this.userContext, clientType: 'fraudctl', ...body });
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${pb.SERVICE}/${method}`,
        (m: protobuf.Message) => Buffer.from(reqType.encode(m).finish()),
        (b: Buffer) => resType.toObject(resType.decode(b), { longs: Number, defaults: false }) as T,
        req,
        new this.grpcLib.Metadata(),
        this.deadline(),
        (err, res) => (err ? reject(this.failure(err, method)) : resolve(res as T)),
      );
    });
  }

  /** The server's Spark version, e.g. '4.0.5' (also proves the server answers). */
  async version(): Promise<string> {
    const res = await this.unary<{ sparkVersion?: { version?: string } }>('AnalyzePlan', pb.AnalyzePlanRequest, pb.AnalyzePlanResponse, { sparkVersion: {} });
    return res.sparkVersion?.version ?? 'unknown';
  }

  /** Session settings (runtime SQL confs, spark.hadoop.* for the file systems). Values are never logged. */
  async setConf(pairs: Record<string, string>): Promise<void> {
    await this.unary('Config', pb.ConfigRequest, pb.ConfigResponse, { operation: { set: { pairs: Object.entries(pairs).map(([key, value]) => ({ key, value })) } } });
  }

  /** Runs a query and counts the rows it returns (reads only the batches' row counts, not the Arrow data). */
  async countRows(sql: string, params: SqlParams = {}): Promise<number> {
    let rows = 0;
    await this.execute({ root: { sql: sqlRelation(sql, params) } }, (r) => {
      rows += Number(r.arrowBatch?.rowCount ?? 0);
    });
    return rows;
  }

  /** Writes the result of `sql` as parquet files under `path` (a directory Spark creates; it must not exist). */
  async writeParquet(sql: string, params: SqlParams, path: string, options: Record<string, string> = {}): Promise<void> {
    await this.execute({ command: { writeOperation: { input: { sql: sqlRelation(sql, params) }, source: 'parquet', path, mode: pb.SAVE_MODE_ERROR_IF_EXISTS, options } } });
  }

  private execute(plan: Record<string, unknown>, onResponse?: (r: pb.ExecuteResponse) => void): Promise<void> {
    const operationId = randomUUID();
    const req = pb.ExecutePlanRequest.fromObject({ sessionId: this.sessionId, userContext: this.userContext, clientType: 'fraudctl', operationId, plan, tags: ['fraudctl'] });
    return new Promise((resolve, reject) => {
      const call = this.client.makeServerStreamRequest(
        `/${pb.SERVICE}/ExecutePlan`,
        (m: protobuf.Message) => Buffer.from(pb.ExecutePlanRequest.encode(m).finish()),
        (b: Buffer) => pb.ExecutePlanResponse.toObject(pb.ExecutePlanResponse.decode(b), { longs: Number, defaults: false }) as pb.ExecuteResponse,
        req,
        new this.grpcLib.Metadata(),
        this.deadline(),
      );
      const abort = () => call.cancel();
      this.opts.signal?.addEventListener('abort', abort, { once: true });
      call.on('data', (r: pb.ExecuteResponse) => {
        const stages = r.executionProgress?.stages;
        if (stages && this.opts.onProgress) {
          this.opts.onProgress({
            tasks: stages.reduce((a, s) => a + Number(s.numTasks ?? 0), 0),
            done: stages.reduce((a, s) => a + Number(s.numCompletedTasks ?? 0), 0),
            inputBytes: stages.reduce((a, s) => a + Number(s.inputBytesRead ?? 0), 0),
          });
        }
        onResponse?.(r);
      });
      call.on('error', (e: grpc.ServiceError) => {
        this.opts.signal?.removeEventListener('abort', abort);
        reject(this.failure(e, 'ExecutePlan'));
      });
      call.on('end', () => {
        this.opts.signal?.removeEventListener('abort', abort);
        resolve();
      });
    });
  }

  /** A gRPC failure as one message: unreachable server → exit 4, Spark's own errors (bad SQL, missing files) → exit 3. */
  private failure(e: grpc.ServiceError, method: string): FraudctlError {
    const { status } = this.grpcLib;
    const where = `Spark Connect ${this.remote.display}`;
    if (e.code === status.UNAVAILABLE || e.code === status.DEADLINE_EXCEEDED || e.code === status.UNAUTHENTICATED) {
      return new FraudctlError(`${where} is unavailable (${method}: ${e.details || status[e.code]})`, ExitCode.Unavailable, {
        hint: 'start one (scripts/spark-local.sh start for a local cluster) or pass --spark-remote sc://HOST:PORT of a running Spark Connect server',
      });
    }
    if (e.code === status.CANCELLED) return new FraudctlError(`${where}: ${method} cancelled`, ExitCode.Sigint);
    // Spark puts its error class and message in the status details; the first line is the useful one.
    const detail = (e.details || e.message).split('\n')[0];
    return new FraudctlError(`${where} failed: ${detail}`, ExitCode.Data, { details: { grpcStatus: status[e.code] } });
  }
}
