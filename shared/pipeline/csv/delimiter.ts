/**
 * Which character separates the cells (RULES §2): comma by default; semicolon (European Excel) and tab
 * (Excel "Unicode text") are recognised from the header line.
 */

export const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * The first record of a text (the header), up to the first line break outside quotes.
 *
 * @example
 * firstRecord('"a\nb",c\n1,2\n'); // '"a\nb",c'
 */
export function firstRecord(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return text.slice(0, i);
  }
  return text;
}

/**
 * The delimiter of a header line: the candidate that occurs most often outside quotes; comma on a tie or
 * when none occurs (a one-column file).
 *
 * @example
 * detectDelimiter('email;messaging_status'); // ';'
 * detectDelimiter('email'); // ','
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) as number) + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if ((counts.get(d) as number) > (counts.get(best) as number)) best = d;
  return best;
}
