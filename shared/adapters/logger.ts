/**
 * The one way the pipeline logs: Powertools Logger (structured JSON) with every email address and phone
 * number masked before the line is written, wherever it hides (message, attribute, nested object, error).
 */
import { Logger } from '@aws-lambda-powertools/logger';

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*\.([A-Za-z]{2,})/g;
/**
 * E.164 numbers (`+886912345678`) and bare national numbers of 8–15 digits (`0912345678`). Runs of digits
 * inside identifiers (hex ids, ISO dates) are left alone: they touch a letter, dot, colon or dash.
 */
const PHONE = /(?<![\w.:-])\+?\d{8,15}(?![\w.:-])/g;

/** Keeps the `+`, the first two digits and the last two: `+886912345678` → `+88********78`. */
function maskPhone(phone: string): string {
  const head = phone.startsWith('+') ? 3 : 2;
  return `${phone.slice(0, head)}${'*'.repeat(phone.length - head - 2)}${phone.slice(-2)}`;
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
