/**
 * WhatsApp risk acceptance (RULES §8): while the workspace's `whatsappRiskAcceptanceRequired` flag is
 * raised, sending to WhatsApp is gated until a signed Risk Acceptance Form is recorded — who signed, when,
 * and a reference to the document. Recording it clears the gate and notifies (`whatsapp_risk_accepted`).
 * A later import that adds a not_subscribed / opted_out WhatsApp contact raises the flag again.
 */
import type { Notification, Notifier } from '../aggregate/notifier.js';

/** One recorded Risk Acceptance Form. */
export interface RiskAcceptance {
  /** ISO time it was recorded. */
  readonly acceptedAt: string;
  /** Who signed the form. */
  readonly signedBy: string;
  /** Where the signed document is (a contract number, a document management id, a URL). */
  readonly document: string;
  /** Set once the `whatsapp_risk_accepted` notification went out. */
  readonly notifiedAt?: string;
}

/** Where acceptances are kept (the workspace's settings item; see `workspace-store.ts`). */
export interface RiskAcceptanceStore {
  /**
   * Clears the flag and appends the acceptance, on condition that the flag is raised. False when it is
   * not (nothing to accept).
   */
  acceptWhatsappRisk(workspace: string, acceptance: RiskAcceptance): Promise<boolean>;
  /** Every acceptance of the workspace, oldest first. */
  whatsappRiskAcceptances(workspace: string): Promise<RiskAcceptance[]>;
  /** Records that the notification of the acceptance at `index` went out. */
  markRiskAcceptanceNotified(workspace: string, index: number, at: string): Promise<void>;
}

export interface RiskAcceptanceDeps {
  readonly store: RiskAcceptanceStore;
  readonly notifier: Notifier;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Accepting the risk of a workspace whose WhatsApp sending is not gated. */
export class RiskAcceptanceNotRequiredError extends Error {
  constructor(readonly workspace: string) {
    super(
      `workspace ${workspace} needs no WhatsApp risk acceptance now (no import has added a not_subscribed or opted_out WhatsApp contact since the last one): nothing was recorded`,
    );
    this.name = 'RiskAcceptanceNotRequiredError';
  }
}

/** A signer or document reference that is blank or too long. */
export class InvalidRiskAcceptanceError extends Error {
  constructor(field: 'signed-by' | 'document', value: string) {
    super(`--${field} must be 1 to ${TEXT_LIMIT} characters, got "${value}"`);
    this.name = 'InvalidRiskAcceptanceError';
  }
}

const TEXT_LIMIT = 500;

function checkText(field: 'signed-by' | 'document', value: string): string {
  const text = value.trim();
  if (text === '' || text.length > TEXT_LIMIT) throw new InvalidRiskAcceptanceError(field, value);
  return text;
}

/**
 * The notification of an acceptance (attributes `workspace`, `channel` = `whatsapp`, `outcome`).
 *
 * @example
 * riskAcceptedNotification('acme', acceptance).attributes; // { workspace: 'acme', channel: 'whatsapp', outcome: 'whatsapp_risk_accepted' }
 */
export function riskAcceptedNotification(workspace: string, acceptance: RiskAcceptance): Notification {
  const { notifiedAt: _sent, ...record } = acceptance;
  return {
    subject: `WhatsApp risk accepted: ${workspace}`,
    message: JSON.stringify({ outcome: 'whatsapp_risk_accepted', workspace, acceptance: record }),
    attributes: { workspace, channel: 'whatsapp', outcome: 'whatsapp_risk_accepted' },
  };
}

export interface AcceptResult {
  readonly acceptance: RiskAcceptance;
  /** True when the acceptance had been recorded by an earlier run whose notification failed: only sent now. */
  readonly resent: boolean;
}

/**
 * Records a signed Risk Acceptance Form, clears the WhatsApp gate and notifies once. Throws
 * RiskAcceptanceNotRequiredError when the gate is not raised (unless the last acceptance's notification
 * is still unsent: then it is sent).
 *
 * @example
 * await acceptWhatsappRisk('acme', { signedBy: 'Amy Chen (CMO)', document: 'RAF-2026-017' }, deps);
 */
export async function acceptWhatsappRisk(
  workspace: string,
  form: { readonly signedBy: string; readonly document: string },
  deps: RiskAcceptanceDeps,
): Promise<AcceptResult> {
  const signedBy = checkText('signed-by', form.signedBy);
  const document = checkText('document', form.document);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const acceptance: RiskAcceptance = { acceptedAt: now, signedBy, document };
  if (await deps.store.acceptWhatsappRisk(workspace, acceptance)) {
    const index = (await deps.store.whatsappRiskAcceptances(workspace)).length - 1;
    await deps.notifier.publish(riskAcceptedNotification(workspace, acceptance));
    await deps.store.markRiskAcceptanceNotified(workspace, index, now);
    return { acceptance, resent: false };
  }
  const history = await deps.store.whatsappRiskAcceptances(workspace);
  const last = history[history.length - 1];
  if (!last || last.notifiedAt !== undefined) throw new RiskAcceptanceNotRequiredError(workspace);
  await deps.notifier.publish(riskAcceptedNotification(workspace, last));
  await deps.store.markRiskAcceptanceNotified(workspace, history.length - 1, now);
  return { acceptance: last, resent: true };
}
