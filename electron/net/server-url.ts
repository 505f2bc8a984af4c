/**
 * A License Central server's address as given: an https:// URL, or a refusal that says what to give. Apart from
 * the client (server-client.ts), so that checking an address loads nothing of the network or the API's schemas.
 */
import { refuse } from '../../shared/errors.ts';

export function checkServerUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    refuse('bad-request', `"${server.slice(0, 100)}" is not a URL.`, 'Give the server as https://HOST:PORT (e.g. https://license-central.example:8443).');
  }
  if (url.protocol !== 'https:')
    refuse('bad-request', `The server is reached over HTTPS only, not ${url.protocol.replace(':', '')}.`, 'Give https://HOST:PORT.');
  return url;
}
