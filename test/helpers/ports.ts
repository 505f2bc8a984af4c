// A loopback port where nothing listens (it was free a moment ago): License Central "down", or a port to serve on.
import { createServer, type AddressInfo } from 'node:net';

export async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
