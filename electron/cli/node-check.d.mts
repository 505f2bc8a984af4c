/** Types of node-check.mjs (plain JavaScript, so that any Node can run it). */
export declare const NEEDED: readonly [number, number];
export declare function tooOld(version: string): string | null;
