import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server that can be cut — listening socket closed, open connections
 * reset — and restored on the same port: "S3 went away mid-run" without losing the server's
 * in-memory state (moto), so what was published before the cut can be checked afterwards.
 */
export interface CutProxy {
  /** http://127.0.0.1:PORT of the proxy. */
  endpoint: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function cutProxy(target: string): Promise<CutProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const open = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((ok, fail) => {
      server = createServer((client) => {
        const upstream = connect(Number(targetPort), hostname);
        for (const s of [client, upstream]) {
          open.add(s);
          s.on('close', () => open.delete(s));
          s.on('error', () => (s === client ? upstream : client).destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => ok((server!.address() as { port: number }).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((done) => {
      for (const s of open) s.resetAndDestroy();
      if (!server?.listening) return done();
      server.close(() => done());
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut: stop,
    restore: async () => void (await listen(port)),
    close: stop,
  };
}
