/**
 * The part-file format (JSON Lines): the first line is the PartHeader, each further line a PartRow. One
 * reader and one writer, so every stage that writes parts (processor, dead-batch, sweeper, splitter) and
 * the aggregator that reads them agree.
 */

import { describeText, jsonFailure } from '../../ids.js';
import type { PartHeader, PartRow } from '../messages.js';

export class PartFileError extends Error {
  constructor(key: string, reason: string) {
    super(`Part file ${key} is unreadable: ${reason}`);
    this.name = 'PartFileError';
  }
}

export interface PartFile {
  readonly header: PartHeader;
  /** In row order. */
  readonly rows: readonly PartRow[];
}

/**
 * The text of a part file.
 *
 * @example
 * formatPart({ batchNo: 3, firstRow: 2, counts, writer: 'dead-batch' }, rows);
 * // '{"batchNo":3,...}\n{"rowNumber":2,"outcome":"failed",...}\n'
 */
export function formatPart(header: PartHeader, rows: readonly PartRow[]): string {
  return `${[header, ...rows].map((line) => JSON.stringify(line)).join('\n')}\n`;
}

/** Reads a part file; its rows come back sorted by row number whatever order they were written in. */
export function parsePart(key: string, text: string): PartFile {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [first, ...rest] = lines;
  if (first === undefined) throw new PartFileError(key, 'it is empty');
  try {
    const header = JSON.parse(first) as PartHeader;
    if (typeof header.batchNo !== 'number' || typeof header.counts !== 'object') {
      throw new PartFileError(key, `the first line is not a part header: ${describeText(first)}`);
    }
    const rows = rest.map((line) => JSON.parse(line) as PartRow).sort((a, b) => a.rowNumber - b.rowNumber);
    return { header, rows };
  } catch (err) {
    if (err instanceof PartFileError) throw err;
    throw new PartFileError(key, jsonFailure(err));
  }
}
