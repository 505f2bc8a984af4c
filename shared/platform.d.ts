// shared/ is compiled without DOM or Node typings so that nothing platform-specific creeps in.
// These Web-standard globals exist, identically, in Node, in browsers and in Electron's renderer.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
