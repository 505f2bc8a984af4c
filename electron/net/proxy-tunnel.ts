/**
 * The seeds' HTTP/HTTPS proxy transport: a tunnel to License Central through an HTTP proxy (CONNECT), with
 * Basic authentication when a user is set. TLS runs inside the tunnel, end to end with License Central, so
 * the proxy sees neither the calls nor the answers and cannot pass for the server (the certificate is pinned).
 * A proxy that refuses is named, with its answer, and nothing is sent.
 */
import type { Socket } from 'node:net';
import { SlrError } from '../../shared/errors.ts';

export interface ProxySetting {
  readonly host: string;
  readonly port: number;
  readonly user: string | null;
  readonly password: string | null;
}

const WHY: Readonly<Record<number, string>> = {
  407: 'it wants a user name and password, or refused the ones given',
  403: 'it forbids connections to that server',
  502: 'it could not reach the server',
  503: 'it could not reach the server',
};

export const describeProxy = (p: Pick<ProxySetting, 'host' | 'port'>) => `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;

/** A socket connected to host:port through the proxy; refused with the proxy's answer otherwise. */
export function tunnel(proxy: ProxySetting, host: string, port: number, timeoutMs: number): Promise<Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const auth = proxy.user !== null ? { 'proxy-authorization': `Basic ${Buffer.from(`${proxy.user}:${proxy.password ?? ''}`).toString('base64')}` } : {};
  // Taken when it tunnels: importing node:http loads Node's fetch (undici) with it, 40 ms off every device command.
  const { request } = process.getBuiltinModule('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: authority, headers: { host: authority, ...auth }, timeout: timeoutMs });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(
        new SlrError(
          'proxy-refused',
          `The proxy ${describeProxy(proxy)} refused to connect to ${authority} (${res.statusCode} ${res.statusMessage ?? ''}: ${WHY[res.statusCode ?? 0] ?? 'see its log'}); nothing was sent to License Central.`,
          'Check the proxy settings (slr license smart transport proxy HOST PORT [--user U --password-file F]) with its administrator.',
        ),
      );
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: Error & { code?: string }) =>
      reject(
        new SlrError(
          'server-unreachable',
          `The proxy ${describeProxy(proxy)} cannot be reached (${e.code ?? e.message}); nothing was sent to License Central.`,
          'Check the proxy settings (slr license smart transport …) and the network.',
        ),
      ),
    );
    req.end();
  });
}
