/**
 * Validates and normalises one data row (RULES §3) into a RowInput. The validator is compiled once per
 * file from its header mapping: the per-row work is a loop over the bound columns with no schema building,
 * and repeated phone numbers are parsed once.
 */
import type { FieldId } from './channels.js';
import { type CodedIssue, issue } from './codes.js';
import { unguard } from './formula-guard.js';
import type { ColumnBinding, HeaderMapping } from './header.js';
import { DEFAULT_LIMITS, type ImportLimits } from './limits.js';
import {
  type Channel,
  type CustomValue,
  EDM_STATUSES,
  type EdmStatus,
  GENDERS,
  type Issue,
  type KeyName,
  type RowInput,
  WHATSAPP_STATUSES,
  type WhatsappStatus,
  type WorkspaceSettings,
} from './model.js';
import { customValue } from './normalise/custom.js';
import { createDateNormaliser } from './normalise/dates.js';
import { createPhoneNormaliser, EXCEL_SCIENTIFIC, type PhoneNormaliser } from './normalise/phone.js';
import {
  checkCellSize,
  checkCharacters,
  limitLength,
  matchEnum,
  normaliseEmail,
  normaliseLineUid,
  splitTags,
  trimInvisible,
} from './normalise/text.js';

export interface RowValidatorOptions {
  /** The file's header, read by `mapHeader` (it carries the channel, the key and the custom fields). */
  readonly mapping: HeaderMapping;
  /** Region for national phone numbers, time zone for `consent_at` and for "today". */
  readonly settings: Pick<WorkspaceSettings, 'region' | 'timeZone'>;
  /** The import's clock: birthdays after this day fail. */
  readonly now: Date;
  readonly limits?: Pick<ImportLimits, 'maxCellBytes'>;
  /** Distinct phone values remembered per import. @default 10000 */
  readonly phoneCacheSize?: number;
  /**
   * The import's phone normaliser, when another reader of the file shares it (the splitter's component
   * pass): a number that needs the full parse is then parsed once. @default one of the validator's own
   */
  readonly phones?: PhoneNormaliser;
}

/**
 * A row that cannot be applied carries every problem found in it (RULES §7), in column order: `error` is
 * the first, `otherErrors` the rest (absent when there is only one). The row is skipped only when all of
 * them are skips (a blank WhatsApp status); any other problem fails it.
 */
export type RowResult =
  | { readonly ok: true; readonly row: RowInput }
  | {
      readonly ok: false;
      readonly outcome: 'failed' | 'skipped';
      readonly error: Issue;
      readonly otherErrors?: readonly Issue[];
      readonly warnings: Issue[];
    };

/** Validates one data row: its cells as parsed, and its number as a spreadsheet shows it (header = 1). */
export type RowValidator = (cells: readonly string[], rowNumber: number) => RowResult;

/** A problem of a row, at the column (index) it was found in. */
interface Problem {
  readonly index: number;
  readonly outcome: 'failed' | 'skipped';
  readonly error: Issue;
}

/** What the bound columns fill while a row is read. */
interface Draft {
  profile: { -readonly [K in keyof RowInput['profile']]: RowInput['profile'][K] };
  tags: string[];
  custom: Record<string, CustomValue>;
  lineUid?: string;
  edmEmail?: string;
  edmStatus?: EdmStatus;
  consentSource?: string;
  consentAt?: string;
  whatsappMobile?: string;
  whatsappStatus?: WhatsappStatus;
  warnings: Issue[];
}

/**
 * How one column fills the draft: `normalise` turns a trimmed, non-blank cell into its value (or the issue
 * that fails the row), `assign` stores the value. Both are built once per file; a row allocates no closure.
 */
interface Filler {
  readonly normalise: (value: string, warnings: Issue[]) => unknown;
  readonly assign: (draft: Draft, value: unknown) => void;
}

interface Bound extends Filler {
  readonly index: number;
  readonly column: string;
}

function filler<T>(
  normalise: (value: string, warnings: Issue[]) => T | CodedIssue,
  assign: (draft: Draft, value: T) => void,
): Filler {
  return { normalise, assign: assign as (draft: Draft, value: unknown) => void };
}

const isIssueResult = (value: unknown): value is CodedIssue =>
  typeof value === 'object' && !Array.isArray(value);

const blank = (cell: string | undefined): boolean => cell === undefined || trimInvisible(cell) === '';

/**
 * Compiles the validator of one file.
 *
 * @example
 * const mapping = mapHeader(['WhatsApp_mobile', 'messaging_status', 'display_name'], 'whatsapp', 'phone', []);
 * const validate = createRowValidator({ mapping, settings: { region: 'TW', timeZone: 'Asia/Taipei' }, now: new Date() });
 * validate(['+886912345678', 'opted_in', '王小明'], 2);
 * // { ok: true, row: { rowNumber: 2, key: { name: 'phone', value: '+886912345678' }, ... } }
 * validate(['+886912345678', '', '王小明'], 3);
 * // { ok: false, outcome: 'skipped', error: { code: 'STATUS_BLANK_SKIPPED', ... }, warnings: [] }
 * validate(['0912345678', '', '王小明'], 4);
 * // { ok: false, outcome: 'failed', error: { code: 'INVALID_PHONE', ... },
 * //   otherErrors: [{ code: 'STATUS_BLANK_SKIPPED', ... }], warnings: [] }
 */
export function createRowValidator(options: RowValidatorOptions): RowValidator {
  const { mapping, settings, now } = options;
  const { channel, key, names, keyIndex } = mapping;
  const maxCellBytes = (options.limits ?? DEFAULT_LIMITS).maxCellBytes;
  const phones = options.phones ?? createPhoneNormaliser(settings.region, options.phoneCacheSize);
  const dates = createDateNormaliser(settings.timeZone, now);
  const keyName = names[keyIndex] as string;
  const width = names.length;

  const text = (column: string, max: number | undefined) => (value: string) =>
    max === undefined ? value : limitLength(column, value, max);

  const systemFiller = (column: string, field: FieldId, max: number | undefined): Filler => {
    switch (field) {
      case 'line_uid':
        return filler(
          (v) => normaliseLineUid(column, v),
          (d, v) => (d.lineUid = v),
        );
      case 'phone':
        return filler(
          (v, warnings) => phones.national(column, v, warnings),
          (d, v) => (d.profile.phone = v),
        );
      case 'customer_id': {
        const limit = text(column, max);
        // A spreadsheet's scientific notation destroyed the id's digits.
        return filler(
          (v) => (EXCEL_SCIENTIFIC.test(v) ? issue('EXCEL_NUMBER_DAMAGED', { column, value: v }) : limit(v)),
          (d, v) => (d.profile.customerId = v),
        );
      }
      case 'name':
        return filler(text(column, max), (d, v) => (d.profile.name = v));
      case 'note':
        return filler(text(column, max), (d, v) => (d.profile.note = v));
      case 'consent_source':
        return filler(text(column, max), (d, v) => (d.consentSource = v));
      case 'email':
        return filler(
          (v) => normaliseEmail(column, v),
          (d, v) => (d.profile.email = v),
        );
      case 'tags':
        return filler(splitTags, (d, v) => (d.tags = v));
      case 'gender':
        return filler(
          (v) => matchEnum(column, v, GENDERS, 'INVALID_GENDER'),
          (d, v) => (d.profile.gender = v),
        );
      case 'birthday':
        return filler(
          (v) => dates.pastDate(column, v),
          (d, v) => (d.profile.birthday = v),
        );
      case 'edm_email':
        return filler(
          (v) => normaliseEmail(column, v),
          (d, v) => (d.edmEmail = v),
        );
      case 'edm_status':
        return filler(
          (v) => matchEnum(column, v, EDM_STATUSES, 'INVALID_STATUS'),
          (d, v) => (d.edmStatus = v),
        );
      case 'consent_at':
        return filler(
          (v) => dates.localDateTime(column, v),
          (d, v) => (d.consentAt = v),
        );
      case 'whatsapp_mobile':
        return filler(
          (v) => phones.strict(column, v),
          (d, v) => (d.whatsappMobile = v),
        );
      case 'whatsapp_status':
        return filler(
          (v) => matchEnum(column, v, WHATSAPP_STATUSES, 'INVALID_STATUS'),
          (d, v) => (d.whatsappStatus = v),
        );
    }
  };

  const bind = (binding: ColumnBinding): Bound => ({
    index: binding.index,
    column: binding.column,
    ...(binding.kind === 'system'
      ? systemFiller(binding.column, binding.spec.field, binding.spec.maxLength)
      : filler(
          (v) => customValue(binding.field, v),
          (d, v) => (d.custom[binding.column] = v),
        )),
  });
  const bound = mapping.columns.map(bind);

  /** Cells every row of the channel must fill, checked before any value: the outcome they cause when blank. */
  const indexOf = (column: string): number => names.indexOf(column);
  const required: Problem[] =
    channel === 'edm'
      ? [
          {
            index: indexOf('messaging_status'),
            outcome: 'failed',
            error: issue('STATUS_REQUIRED', { column: 'messaging_status', allowed: EDM_STATUSES }),
          },
          { index: indexOf('email'), outcome: 'failed', error: issue('VALUE_REQUIRED', { column: 'email' }) },
        ]
      : channel === 'whatsapp'
        ? [
            {
              index: indexOf('messaging_status'),
              outcome: 'skipped',
              error: issue('STATUS_BLANK_SKIPPED', { column: 'messaging_status' }),
            },
            {
              index: indexOf('WhatsApp_mobile'),
              outcome: 'failed',
              error: issue('VALUE_REQUIRED', { column: 'WhatsApp_mobile' }),
            },
          ]
        : [];
  const keyEmpty = issue('KEY_EMPTY', { column: keyName });

  return (cells, rowNumber) => {
    if (cells.length > width) {
      // The cells do not line up with the columns: nothing else of the row can be judged.
      const malformed = issue('MALFORMED_ROW', {
        detail: `it has ${cells.length} cells but the header has ${width}`,
      });
      return { ok: false, outcome: 'failed', error: malformed, warnings: [] };
    }
    // Every problem of the row is collected, so that one round of fixes is enough (RULES §7).
    const problems: Problem[] = [];
    if (blank(cells[keyIndex])) problems.push({ index: keyIndex, outcome: 'failed', error: keyEmpty });
    for (const check of required) {
      // A required column that is also the key's is reported once, as KEY_EMPTY.
      if (check.index !== keyIndex && blank(cells[check.index])) problems.push(check);
    }
    const draft: Draft = { profile: {}, tags: [], custom: {}, warnings: [] };
    for (const { index, column, normalise, assign } of bound) {
      const cell = cells[index];
      if (cell === undefined) continue;
      // The guard of our own files (reports, export) comes off; the value inside is trimmed like any cell.
      const value = trimInvisible(unguard(trimInvisible(cell)));
      if (value === '') continue;
      const unreadable = checkCellSize(column, cell, maxCellBytes) ?? checkCharacters(column, value);
      if (unreadable) {
        problems.push({ index, outcome: 'failed', error: unreadable });
        continue;
      }
      const normalised = normalise(value, draft.warnings);
      if (isIssueResult(normalised)) {
        problems.push({ index, outcome: 'failed', error: normalised });
        continue;
      }
      assign(draft, normalised);
    }
    if (problems.length > 0) return notApplied(problems, draft.warnings);
    const row = toRowInput(draft, rowNumber, key);
    row.key.value = keyValueOf(row, channel, key) as string;
    return { ok: true, row };
  };
}

/** The result of a row with problems: all of them in column order, skipped only when each is a skip. */
function notApplied(problems: Problem[], warnings: Issue[]): RowResult {
  // The blank-cell checks ran before the column loop; a stable sort puts every problem in column order.
  problems.sort((a, b) => a.index - b.index);
  const outcome = problems.every((p) => p.outcome === 'skipped') ? 'skipped' : 'failed';
  const [first, ...rest] = problems.map((p) => p.error) as [Issue, ...Issue[]];
  return rest.length > 0
    ? { ok: false, outcome, error: first, otherErrors: rest, warnings }
    : { ok: false, outcome, error: first, warnings };
}

/**
 * The Key Value of a validated row: the normalised value of the key's column (RULES §4). An EDM file's
 * `email` and a WhatsApp file's `WhatsApp_mobile` are channel primary keys, so they are read there.
 *
 * @example
 * keyValueOf({ profile: { phone: '+886912345678' } }, 'line', 'phone'); // '+886912345678'
 * keyValueOf({ profile: {}, whatsapp: { mobile: '+886912345678', status: 'opted_in' } }, 'whatsapp', 'phone');
 */
export function keyValueOf(
  row: Pick<RowInput, 'profile' | 'line' | 'edm' | 'whatsapp'>,
  channel: Channel,
  key: KeyName,
): string | undefined {
  switch (key) {
    case 'line_uid':
      return row.line?.uid;
    case 'customer_id':
      return row.profile.customerId;
    case 'email':
      return channel === 'edm' ? row.edm?.email : row.profile.email;
    case 'phone':
      return channel === 'whatsapp' ? row.whatsapp?.mobile : row.profile.phone;
  }
}

function toRowInput(
  draft: Draft,
  rowNumber: number,
  key: KeyName,
): RowInput & { readonly key: { value: string } } {
  const row: {
    -readonly [K in keyof RowInput]: RowInput[K];
  } & { key: { readonly name: KeyName; value: string } } = {
    rowNumber,
    key: { name: key, value: '' },
    profile: draft.profile,
    tags: draft.tags,
    custom: draft.custom,
    warnings: draft.warnings,
  };
  if (draft.lineUid !== undefined) row.line = { uid: draft.lineUid };
  if (draft.edmEmail !== undefined && draft.edmStatus !== undefined) {
    const edm: { email: string; status: EdmStatus; consentSource?: string; consentAt?: string } = {
      email: draft.edmEmail,
      status: draft.edmStatus,
    };
    if (draft.consentSource !== undefined) edm.consentSource = draft.consentSource;
    if (draft.consentAt !== undefined) edm.consentAt = draft.consentAt;
    row.edm = edm;
  }
  if (draft.whatsappMobile !== undefined && draft.whatsappStatus !== undefined) {
    row.whatsapp = { mobile: draft.whatsappMobile, status: draft.whatsappStatus };
  }
  return row;
}
