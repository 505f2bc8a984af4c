/**
 * The four codes of the exchange, and the offline usage report and its acknowledgement (usage-report.ts), and
 * what they are called: one list for the CLI, the app and file names.
 */
export const CODE_KINDS = ['request', 'authorization', 'confirmation', 'return', 'usage-report', 'usage-ack'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/** In a sentence: "the request code". */
export const CODE_NAMES: Readonly<Record<CodeKind, string>> = {
  request: 'request code',
  authorization: 'authorization code',
  confirmation: 'confirmation code',
  return: 'return code',
  'usage-report': 'usage report',
  'usage-ack': 'usage acknowledgement',
};

/** As a title or label: "Request code". */
export const codeTitle = (kind: CodeKind) => CODE_NAMES[kind][0]!.toUpperCase() + CODE_NAMES[kind].slice(1);

/**
 * The file types of the codes the app saves, so that the desktop opens one in SLR Desk (package.json's
 * fileAssociations is checked against this table). The CLI's `--out DIR` keeps its `.txt` names.
 */
export const CODE_FILE_TYPES: Readonly<Record<CodeKind, { readonly ext: string; readonly mime: string }>> = {
  request: { ext: 'slrreq', mime: 'application/x-slr-request-code' },
  authorization: { ext: 'slrauth', mime: 'application/x-slr-authorization-code' },
  confirmation: { ext: 'slrconf', mime: 'application/x-slr-confirmation-code' },
  return: { ext: 'slrret', mime: 'application/x-slr-return-code' },
  'usage-report': { ext: 'slrusage', mime: 'application/x-slr-usage-report' },
  'usage-ack': { ext: 'slrack', mime: 'application/x-slr-usage-acknowledgement' },
};

/** How the one-line usage report and its acknowledgement begin (shared/codes/usage-report.ts): files are told apart by it. */
export const REPORT_PREFIX = 'SLRU1';
export const ACK_PREFIX = 'SLRA1';
