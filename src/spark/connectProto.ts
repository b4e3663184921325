import protobuf from 'protobufjs';

/**
 * The few Spark Connect messages fraudctl sends and reads (package spark.connect, Spark >= 3.5),
 * written from the protocol's public definitions with only the fields used here. Field numbers
 * are the wire contract; protobuf skips the fields a newer server adds, so a subset decodes fine.
 *
 *   ExecutePlan(ExecutePlanRequest) → stream ExecutePlanResponse   run a query or a write
 *   Config(ConfigRequest) → ConfigResponse                         session settings (s3a keys)
 *   AnalyzePlan(AnalyzePlanRequest) → AnalyzePlanResponse          the server's Spark version
 */
const descriptor = {
  nested: {
    spark: {
      nested: {
        connect: {
          nested: {
            UserContext: { fields: { userId: { id: 1, type: 'string' }, userName: { id: 2, type: 'string' } } },
            Plan: { oneofs: { opType: { oneof: ['root', 'command'] } }, fields: { root: { id: 1, type: 'Relation' }, command: { id: 2, type: 'Command' } } },
            Relation: { oneofs: { relType: { oneof: ['sql'] } }, fields: { sql: { id: 10, type: 'SQL' } } },
            // args (map of name → Literal) is the form every server since 3.4 reads; 4.x also takes named_arguments.
            SQL: { fields: { query: { id: 1, type: 'string' }, args: { id: 2, keyType: 'string', type: 'Literal' } } },
            Literal: {
              oneofs: { literalType: { oneof: ['long', 'double', 'string'] } },
              fields: { long: { id: 7, type: 'int64' }, double: { id: 11, type: 'double' }, string: { id: 13, type: 'string' } },
            },
            Command: { oneofs: { commandType: { oneof: ['writeOperation'] } }, fields: { writeOperation: { id: 2, type: 'WriteOperation' } } },
            WriteOperation: {
              oneofs: { saveType: { oneof: ['path'] } },
              fields: {
                input: { id: 1, type: 'Relation' },
                source: { id: 2, type: 'string' },
                path: { id: 3, type: 'string' },
                mode: { id: 5, type: 'SaveMode' },
                options: { id: 9, keyType: 'string', type: 'string' },
              },
              nested: { SaveMode: { values: { SAVE_MODE_UNSPECIFIED: 0, SAVE_MODE_APPEND: 1, SAVE_MODE_OVERWRITE: 2, SAVE_MODE_ERROR_IF_EXISTS: 3, SAVE_MODE_IGNORE: 4 } } },
            },
            ExecutePlanRequest: {
              fields: {
                sessionId: { id: 1, type: 'string' },
                userContext: { id: 2, type: 'UserContext' },
                plan: { id: 3, type: 'Plan' },
                clientType: { id: 4, type: 'string' },
                operationId: { id: 6, type: 'string' },
                tags: { id: 7, rule: 'repeated', type: 'string' },
              },
            },
            ExecutePlanResponse: {
              fields: {
                sessionId: { id: 1, type: 'string' },
                arrowBatch: { id: 2, type: 'ArrowBatch' },
                operationId: { id: 12, type: 'string' },
                resultComplete: { id: 14, type: 'ResultComplete' },
                serverSideSessionId: { id: 15, type: 'string' },
                executionProgress: { id: 18, type: 'ExecutionProgress' },
              },
              nested: {
                ArrowBatch: { fields: { rowCount: { id: 1, type: 'int64' }, data: { id: 2, type: 'bytes' } } },
                ResultComplete: { fields: {} },
                ExecutionProgress: {
                  fields: { stages: { id: 1, rule: 'repeated', type: 'StageInfo' }, numInflightTasks: { id: 2, type: 'int64' } },
                  nested: {
                    StageInfo: {
                      fields: {
                        stageId: { id: 1, type: 'int64' },
                        numTasks: { id: 2, type: 'int64' },
                        numCompletedTasks: { id: 3, type: 'int64' },
                        inputBytesRead: { id: 4, type: 'int64' },
                        done: { id: 5, type: 'bool' },
                      },
                    },
                  },
                },
              },
            },
            KeyValue: { fields: { key: { id: 1, type: 'string' }, value: { id: 2, type: 'string', options: { proto3_optional: true } } } },
            ConfigRequest: {
              fields: {
                sessionId: { id: 1, type: 'string' },
                userContext: { id: 2, type: 'UserContext' },
                operation: { id: 3, type: 'Operation' },
                clientType: { id: 4, type: 'string' },
              },
              nested: {
                Operation: { oneofs: { opType: { oneof: ['set'] } }, fields: { set: { id: 1, type: 'Set' } } },
                Set: { fields: { pairs: { id: 1, rule: 'repeated', type: 'KeyValue' } } },
              },
            },
            ConfigResponse: { fields: { sessionId: { id: 1, type: 'string' }, warnings: { id: 3, rule: 'repeated', type: 'string' } } },
            AnalyzePlanRequest: {
              oneofs: { analyze: { oneof: ['sparkVersion'] } },
              fields: {
                sessionId: { id: 1, type: 'string' },
                userContext: { id: 2, type: 'UserContext' },
                clientType: { id: 3, type: 'string' },
                sparkVersion: { id: 10, type: 'SparkVersion' },
              },
              nested: { SparkVersion: { fields: {} } },
            },
            AnalyzePlanResponse: {
              oneofs: { result: { oneof: ['sparkVersion'] } },
              fields: { sessionId: { id: 1, type: 'string' }, sparkVersion: { id: 8, type: 'SparkVersion' } },
              nested: { SparkVersion: { fields: { version: { id: 1, type: 'string' } } } },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const type = (name: string) => root.lookupType(`spark.connect.${name}`);

export const ExecutePlanRequest = type('ExecutePlanRequest');
export const ExecutePlanResponse = type('ExecutePlanResponse');
export const ConfigRequest = type('ConfigRequest');
export const ConfigResponse = type('ConfigResponse');
export const AnalyzePlanRequest = type('AnalyzePlanRequest');
export const AnalyzePlanResponse = type('AnalyzePlanResponse');
export const SAVE_MODE_OVERWRITE = 2;
export const SAVE_MODE_ERROR_IF_EXISTS = 3;

/** The service's full name: a method's gRPC path is /spark.connect.SparkConnectService/NAME. */
export const SERVICE = 'spark.connect.SparkConnectService';

/** What fraudctl reads of one ExecutePlanResponse (protobufjs toObject with longs as numbers). */
export interface ExecuteResponse {
  operationId?: string;
  arrowBatch?: { rowCount?: number; data?: Uint8Array };
  resultComplete?: Record<string, never>;
  executionProgress?: { stages?: { stageId?: number; numTasks?: number; numCompletedTasks?: number; inputBytesRead?: number; done?: boolean }[]; numInflightTasks?: number };
}
