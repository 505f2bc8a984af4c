/**
 * The bridge's method names and IPC channels, without their schemas: what the preload needs (it stays
 * small and free of zod). shared/bridge.ts checks, at compile time, that its schemas cover exactly these.
 */
export const BRIDGE_METHODS = [
  'instanceView',
  'instanceInit',
  'instanceCommand',
  'instanceInspect',
  'instanceInstall',
  'instanceReturnAuthorization',
  'instanceTrustFromFile',
  'instanceTrustRemove',
  'instanceSmartRegister',
  'instanceSmartAction',
  'instanceSmartTransport',
  'instanceSmartPrivacy',
  'instanceSmartCatchUp',
  'instanceSmartExport',
  'instanceBackup',
  'instanceRestore',
  'instanceRecover',
  'instanceStartOver',
  'instanceSecurity',
  'instanceSipTrunk',
  'instanceCluster',
  'authorityView',
  'authorityInstances',
  'authorityInit',
  'authorityAddAccount',
  'authorityAddLicenses',
  'authorityInspectRequest',
  'authorityReserve',
  'authorityUpdate',
  'authorityConfirm',
  'authorityRemove',
  'authorityRehost',
  'authorityTransfer',
  'authorityTransferLicenses',
  'authorityUnlock',
  'authorityLatestCode',
  'authorityKeyAdd',
  'authorityKeyRetire',
  'authorityUnlockKeys',
  'authorityProtectKeys',
  'authorityConnect',
  'authorityTokens',
  'authorityTokenCreate',
  'authorityTokenRevoke',
  'authorityRegistered',
  'authorityRegisteredRemove',
  'authorityDisconnect',
  'authoritySatellites',
  'authoritySatelliteAdd',
  'authoritySatelliteAllocate',
  'authoritySatelliteEnrol',
  'authoritySyncExport',
  'authoritySyncImport',
  'authoritySyncNow',
  'fileOpenCode',
  'fileSaveCode',
  'fileSaveQr',
  'fileSaveReceipt',
  'fileSaveEvents',
  'fileSavePublicKey',
  'fileOpenKey',
  'fileOpenSync',
  'fileSaveSync',
  'clipboardWrite',
] as const;

export type BridgeMethod = (typeof BRIDGE_METHODS)[number];

/** The IPC channel of a method: one channel per method, all under this prefix. */
export const channelOf = (method: BridgeMethod) => `slr:${method}`;
/** The preload asks the main process to read a file the user dropped (its path from the drop event). */
export const FILE_DROP_CHANNEL = 'slr:drop';
/** Main to renderer: a code file the desktop opened with SLR Desk (double-click), delivered as a dropped one. */
export const FILE_OPEN_CHANNEL = 'slr:file-opened';
