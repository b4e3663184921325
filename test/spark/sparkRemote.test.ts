import { describe, expect, it } from 'vitest';
import { parseSparkRemote, redact } from '../../src/spark/sparkRemote.js';

describe('parseSparkRemote (sc:// addresses as Spark writes them)', () => {
  it('host, default port 15002, parameters', () => {
    expect(parseSparkRemote('sc://spark-master')).toMatchObject({ host: 'spark-master', port: 15002, useSsl: false, userId: 'fraudctl' });
    expect(parseSparkRemote('sc://127.0.0.1:49153')).toMatchObject({ host: '127.0.0.1', port: 49153 });
    const r = parseSparkRemote('sc://dp.example:443/;token=abc;user_id=etl');
    expect(r).toMatchObject({ host: 'dp.example', port: 443, token: 'abc', useSsl: true, userId: 'etl' });
    expect(r.display).not.toContain('abc');
    expect(parseSparkRemote('sc://[::1]:15002')).toMatchObject({ host: '::1', port: 15002 });
  });
  it('bad addresses are usage errors (exit 2) with the token redacted', () => {
    for (const bad of ['http://x:15002', 'sc://', 'sc://h:99999', 'sc://h:1/;tokn=s3cret']) {
      let err: unknown;
      try {
        parseSparkRemote(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toMatchObject({ exitCode: 2 });
    }
    expect(redact('sc://h:1/;token=s3cret;use_ssl=true')).toBe('sc://h:1/;token=***;use_ssl=true');
  });
});
