/**
 * The one way the pipeline logs: Powertools Logger (structured JSON) with every email address and phone
 * number masked before the line is written, wherever it hides (message, attribute, nested object, error).
 */
import { Logger } from '@aws-lambda-powertools/logger';

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*\.([A-Za-z]{2,})/g;
/**
 * Phone numbers as people write them: E.164 (`+886912345678`), bare national numbers (`0912345678`) and
 * either with spaces, hyphens or parentheses between digit groups (`0912-345-678`, `+886 912 345 678`,
 * `(02) 2345-6789`). A candidate counts when it holds 8 to 15 digits. Runs of digits inside identifiers
 * (hex ids, ISO timestamps) are left alone: they touch a letter, dot, colon or another digit group.
 */
const PHONE = /(?<![\w.:+-])(?:\+|\(\+?)?\d(?:[ ()-]{0,2}\d)+(?![\w.:-])/g;
const DIGITS = /\d/g;
/** A date (`2030-01-01`) has 8 digits and hyphens too: it is not a phone. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Keeps the `+`, the first two digits and the last two: `+886 912 345 678` → `+88********78`. */
function maskPhone(candidate: string): string {
  const digits = candidate.match(DIGITS)?.join('') ?? '';
  if (digits.length < 8 || digits.length > 15 || DATE.test(candidate)) return candidate;
  const plus = candidate.includes('+') ? '+' : '';
  return `${plus}${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;
}

/**
 * Masks every email address and phone number in a text, keeping just enough to tell values apart.
 *
 * @example
 * maskPersonalData('ann.lee@example.com called +886912345678');
 * // 'a***@e***.com called +88********78'
 */
export function maskPersonalData(text: string): string {
  return text
    .replace(EMAIL, (_m, first: string, domain: string, tld: string) => `${first}***@${domain}***.${tld}`)
    .replace(PHONE, maskPhone);
}

function maskingReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? maskPersonalData(value) : value;
}

/**
 * A JSON logger for one function or tool; the log level comes from `POWERTOOLS_LOG_LEVEL` / `LOG_LEVEL`.
 *
 * @example
 * const logger = createLogger('aggregator');
 * logger.info('report written', { importId, failures: 3 });
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: maskingReplacer });
}
