export declare const ICON_SIZES: number[];
export declare const ICON_SOURCE: string;
export declare const ICON_DIR: string;
export declare function iconSet(source?: Uint8Array): { name: string; size: number; bytes: Buffer }[];
