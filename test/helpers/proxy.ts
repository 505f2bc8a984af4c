/**
 * An HTTP proxy for the tests (CONNECT only, as the seeds' HTTP/HTTPS proxy transport uses): optionally
 * wanting Basic credentials, or refusing every tunnel with a status. It counts the tunnels it was asked for.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface TestProxy {
  readonly port: number;
  /** The tunnels asked for (host:port), in order, whether opened or refused. */
  readonly asked: string[];
  stop(): Promise<void>;
}

export async function startProxy(options: { user?: string; password?: string; refuse?: number } = {}): Promise<TestProxy> {
  const asked: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    asked.push(req.url ?? '');
    client.on('error', () => client.destroy());
    if (options.refuse) return client.end(`HTTP/1.1 ${options.refuse} Refused\r\n\r\n`);
    const wanted = options.user === undefined ? null : `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
    if (wanted && req.headers['proxy-authorization'] !== wanted)
      return client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    const [host, port] = [(req.url ?? '').replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, ''), Number(/:([0-9]+)$/.exec(req.url ?? '')?.[1])];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    asked,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
