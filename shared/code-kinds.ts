/** The four codes of the exchange, and what they are called: one list for the CLI, the app and file names. */
export const CODE_KINDS = ['request', 'authorization', 'confirmation', 'return'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/** In a sentence: "the request code". */
export const CODE_NAMES: Readonly<Record<CodeKind, string>> = {
  request: 'request code',
  authorization: 'authorization code',
  confirmation: 'confirmation code',
  return: 'return code',
};

/** As a title or label: "Request code". */
export const codeTitle = (kind: CodeKind) => CODE_NAMES[kind][0]!.toUpperCase() + CODE_NAMES[kind].slice(1);
