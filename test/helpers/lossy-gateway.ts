/**
 * A gateway between product instances and License Central's server that loses what a test tells it to: it
 * forwards TLS connections byte for byte (the device's pinned certificate is the server's, so it cannot read
 * or change anything), and per connection, as set at that moment, either passes everything (`pass`), closes
 * at once so the request never arrives (`lose-request`), or lets the request through and cuts the answer
 * (`lose-answer`: License Central did the change; the device never hears it).
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type Loss = 'pass' | 'lose-request' | 'lose-answer';

export interface LossyGateway {
  readonly url: string;
  mode: Loss;
  /** Connections per mode, for a test to tell that each kind of loss happened. */
  readonly seen: Record<Loss, number>;
  stop(): Promise<void>;
}

/** Whether a chunk from the client holds a large application-data record (a request, not a handshake message). */
function carriesRequest(chunk: Buffer): boolean {
  for (let at = 0; at + 5 <= chunk.length;) {
    const length = chunk.readUInt16BE(at + 3);
    if (chunk[at] === 23 && length >= 100) return true;
    at += 5 + length;
  }
  return false;
}

export async function startLossyGateway(target: string): Promise<LossyGateway> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const gateway = { mode: 'pass' as Loss, seen: { pass: 0, 'lose-request': 0, 'lose-answer': 0 } };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const mode = gateway.mode;
    gateway.seen[mode]++;
    if (mode === 'lose-request') return client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    if (mode === 'pass') return upstream.pipe(client);
    // lose-answer: the TLS handshake passes; once the request went up (the first large application-data
    // record from the client: TLS 1.3's encrypted Finished is a small one), nothing more comes down, and the line is
    // cut a moment later. License Central got the request and may well have done it.
    let requestSent = false;
    client.on('data', (chunk: Buffer) => {
      if (requestSent || !carriesRequest(chunk)) return;
      requestSent = true;
      setTimeout(() => {
        upstream.destroy();
        client.destroy();
      }, 300);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!requestSent) client.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(gateway, {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
