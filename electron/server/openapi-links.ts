/**
 * The stateful flows of License Central's API as OpenAPI links: what an answer gives that a next operation
 * takes (a reserved instance's serial number, a new token's id, a new key's id, a new virtual account's name,
 * a registered instance's id), so a client generator or a stateful tester can follow them.
 */
import type { ApiName } from '../../shared/authority/api.ts';

type Links = Record<string, { operationId: ApiName; description: string; requestBody: Record<string, unknown> }>;

/** The instance an answer names (its serial number), for the operations that take one. */
function instanceLinks(from: string): Links {
  const instance = `$response.body#/value/${from}`;
  return {
    update: { operationId: 'update', description: 'Change its reservation.', requestBody: { instance, licenses: {} } },
    code: { operationId: 'code', description: 'Its latest authorization code again.', requestBody: { instance } },
    unlock: { operationId: 'unlock', description: 'Unlock it after wrong codes.', requestBody: { instance } },
    transfer: { operationId: 'transfer', description: 'Move it to another virtual account.', requestBody: { instance, to: 'Default' } },
    confirm: { operationId: 'confirm', description: "Enter the device's confirmation code of an update.", requestBody: { instance, code: '' } },
    remove: { operationId: 'remove', description: "Give its licenses back with the device's return code.", requestBody: { instance, returnCode: '' } },
  };
}

export const API_LINKS: Partial<Record<ApiName, Links>> = {
  login: {
    whoami: { operationId: 'whoami', description: 'Who the session is (its token as the bearer token).', requestBody: {} },
  },
  reserve: instanceLinks('sn'),
  update: instanceLinks('sn'),
  rehost: instanceLinks('sn'),
  'account-add': {
    'license-add': {
      operationId: 'license-add',
      description: 'Add licenses to the new virtual account.',
      requestBody: { account: '$response.body#/value/account', tag: 'UCM_Basic', count: 1 },
    },
    'token-create': {
      operationId: 'token-create',
      description: 'A registration token for it.',
      requestBody: { account: '$response.body#/value/account', server: 'https://license-central.example:8443' },
    },
  },
  'token-create': {
    'token-revoke': { operationId: 'token-revoke', description: 'Revoke it.', requestBody: { id: '$response.body#/value/id' } },
  },
  'key-add': {
    'key-retire': { operationId: 'key-retire', description: 'Retire the new key (it stops signing).', requestBody: { id: '$response.body#/value/keyId' } },
    'key-export': { operationId: 'key-export', description: 'Its key file, with its endorsements.', requestBody: { id: '$response.body#/value/keyId' } },
  },
  'device-register': {
    'registered-remove': {
      operationId: 'registered-remove',
      description: 'Remove it at License Central (its usage released, its identity revoked).',
      requestBody: { instance: '$response.body#/value/instance' },
    },
  },
};
