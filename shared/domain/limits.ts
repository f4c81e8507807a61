/**
 * Size limits of an import (RULES §2). They are configuration: the defaults below apply unless the
 * deployment passes others.
 */
export interface ImportLimits {
  /** Largest file accepted, in bytes. @default 2 GiB */
  readonly maxFileBytes: number;
  /** Most data rows accepted. @default 10 million */
  readonly maxRows: number;
  /** Largest cell, in UTF-8 bytes; a larger cell fails its row. @default 64 KiB */
  readonly maxCellBytes: number;
}

export const DEFAULT_LIMITS: ImportLimits = {
  maxFileBytes: 2 * 1024 ** 3,
  maxRows: 10_000_000,
  maxCellBytes: 64 * 1024,
};
