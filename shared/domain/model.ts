/**
 * The product's vocabulary: channels, keys, contacts, identities, normalised rows and the plans the
 * rules engine returns. Every layer (domain, adapters, pipeline, CLI) speaks these types.
 */

export const CHANNELS = ['line', 'edm', 'whatsapp'] as const;
export type Channel = (typeof CHANNELS)[number];

/** The Key Value chosen for an import (the `<key>` segment of the S3 key). */
export const KEYS = ['line_uid', 'phone', 'email', 'customer_id'] as const;
export type KeyName = (typeof KEYS)[number];

export const EDM_STATUSES = ['subscribed', 'unsubscribed', 'hard_bounce', 'spam_report'] as const;
export type EdmStatus = (typeof EDM_STATUSES)[number];

export const WHATSAPP_STATUSES = ['opted_in', 'opted_out', 'not_subscribed'] as const;
export type WhatsappStatus = (typeof WHATSAPP_STATUSES)[number];

export const GENDERS = ['female', 'male', 'unknown'] as const;
export type Gender = (typeof GENDERS)[number];

export const FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'select'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export type CustomValue = string | number | boolean;

/** A custom field defined for a workspace; an import column with exactly this name fills it. */
export interface CustomFieldDefinition {
  readonly name: string;
  readonly type: FieldType;
  /** Allowed values, for `select`. */
  readonly options?: readonly string[];
}

export interface WorkspaceFlags {
  /** Set when the workspace's WhatsApp contacts include `not_subscribed` or `opted_out` (RULES §5). */
  whatsappRiskAcceptanceRequired?: boolean;
  /** Set by sending health (RULES §8); lifted only by an explicit reinstatement. */
  edmSendingSuspended?: boolean;
}

export interface WorkspaceSettings {
  readonly workspace: string;
  /** ISO 3166-1 alpha-2 region for national phone numbers. @default 'TW' */
  readonly region: string;
  /** IANA time zone for `consent_at`. @default 'Asia/Taipei' */
  readonly timeZone: string;
  readonly flags: WorkspaceFlags;
}

export const DEFAULT_REGION = 'TW';
export const DEFAULT_TIME_ZONE = 'Asia/Taipei';

/** A contact profile as stored. Absent optional fields were never provided. */
export interface Contact {
  readonly workspace: string;
  readonly contactId: string;
  /** ISO 8601 UTC timestamp. */
  readonly createdAt: string;
  /** `importId#rowNumber` of the row that created it (or `cli`, `sending-health`, ...). */
  readonly createdBy: string;
  /** Optimistic-locking version: 1 on creation, +1 on every write. */
  readonly version: number;
  name?: string;
  /** The profile email; equals `edm.email` when the contact has the EDM channel. */
  email?: string;
  /** The profile phone (E.164); equals `whatsapp.mobile` when the contact has WhatsApp. */
  phone?: string;
  customerId?: string;
  note?: string;
  gender?: Gender;
  /** `YYYY-MM-DD`. */
  birthday?: string;
  tags: string[];
  custom: Record<string, CustomValue>;
  line?: { uid: string };
  edm?: { email: string; status: EdmStatus; consentSource?: string; consentAt?: string };
  whatsapp?: { mobile: string; status: WhatsappStatus };
  sms?: { phone: string };
  fbId?: string;
  igId?: string;
  /** Set on a tombstone: the contact this one was merged into. */
  mergedInto?: string;
  /**
   * The stamps of the last writes (newest first, `importId#batchNo`), kept by the store so that a replayed
   * write is recognised even after others wrote the contact since. Bookkeeping, not profile data.
   */
  writtenBy?: readonly string[];
}

/**
 * Kinds of identity. The channel primary keys (`line_uid`, `edm_email`, `whatsapp`, `sms`) belong to at
 * most one contact per workspace; the others may be held by several contacts.
 */
export const IDENTITY_TYPES = [
  'email',
  'phone',
  'customer_id',
  'line_uid',
  'edm_email',
  'whatsapp',
  'sms',
  'fb_id',
  'ig_id',
] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

export const UNIQUE_IDENTITY_TYPES: ReadonlySet<IdentityType> = new Set([
  'line_uid',
  'edm_email',
  'whatsapp',
  'sms',
]);

/** One identity: a type and a normalised value (emails lower-cased, phones E.164). */
export interface Identity {
  readonly type: IdentityType;
  readonly value: string;
}

/** A contact holding an identity, with its creation time so callers can pick the latest created. */
export interface Holder {
  readonly contactId: string;
  readonly createdAt: string;
}

export interface Issue {
  /** Stable code from `codes.ts`, e.g. `KEY_EMPTY`. */
  readonly code: string;
  readonly message: string;
}

/**
 * A data row after validation and normalisation (splitter), ready for the processor. Only filled cells
 * are present. Serialised as JSON into batch messages, so keep it plain data.
 */
export interface RowInput {
  /** The row as a spreadsheet shows it: the header is row 1, the first data row is row 2. */
  readonly rowNumber: number;
  /** The chosen Key Value, normalised. */
  readonly key: { readonly name: KeyName; readonly value: string };
  /**
   * Profile cells. An EDM file's `email` column fills `edm.email` (not `profile.email`) and a WhatsApp
   * file's `WhatsApp_mobile` fills `whatsapp.mobile` (not `profile.phone`): they are channel primary keys.
   * Emails are lower-cased, phones E.164.
   */
  readonly profile: {
    readonly name?: string;
    readonly email?: string;
    readonly phone?: string;
    readonly customerId?: string;
    readonly note?: string;
    readonly gender?: Gender;
    readonly birthday?: string;
  };
  readonly tags: readonly string[];
  readonly custom: Readonly<Record<string, CustomValue>>;
  readonly line?: { readonly uid: string };
  readonly edm?: {
    readonly email: string;
    readonly status: EdmStatus;
    readonly consentSource?: string;
    readonly consentAt?: string;
  };
  readonly whatsapp?: { readonly mobile: string; readonly status: WhatsappStatus };
  /** Warnings found while validating (e.g. a leading zero recovered). */
  readonly warnings: readonly Issue[];
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
export const OUTCOMES: readonly Outcome[] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];

export type RowCounts = Record<Outcome, number>;

/** A working copy of a readonly shape, for code that builds one field by field (apply, merge). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
