/** The system's limits, in one place: every check and every message uses these. */
export const LIMITS = {
  /** Largest license count anywhere: purchased, reserved, in use. */
  maxCount: 9_999_999,
  /** Longest authorization code (characters) and code file (bytes) read. */
  authorizationCodeChars: 1_048_576,
  codeFileBytes: 1_048_576,
  /** Longest License Central key file (bytes). */
  keyFileBytes: 16_384,
  /** A key backup (`slr authority key backup`): a few hundred bytes per key. */
  keyBackupBytes: 262_144,
  /** A device state file read as a backup (`slr restore`): its event log makes most of it. */
  stateFileBytes: 268_435_456,
  /** Most entitlements in one authorization code. */
  maxEntitlements: 2000,
} as const;
