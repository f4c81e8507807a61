/**
 * Channel status rules (RULES §5, §6): which EDM statuses are irreversible, which status is the most
 * restrictive when contacts merge, and when a workspace must accept the WhatsApp risk.
 */
import type { Contact, EdmStatus, WhatsappStatus } from './model.js';

/** EDM statuses an import never moves back to `subscribed` (a complaint is treated like an opt-out). */
export const IRREVERSIBLE_EDM_STATUSES: ReadonlySet<EdmStatus> = new Set([
  'unsubscribed',
  'hard_bounce',
  'spam_report',
]);

/** Least to most restrictive: a spam complaint outranks a hard bounce, which outranks an opt-out. */
const EDM_RESTRICTION: readonly EdmStatus[] = ['subscribed', 'unsubscribed', 'hard_bounce', 'spam_report'];
/** Least to most restrictive: opted out is an explicit refusal, not subscribed merely no consent yet. */
const WHATSAPP_RESTRICTION: readonly WhatsappStatus[] = ['opted_in', 'not_subscribed', 'opted_out'];

function mostRestrictive<T>(order: readonly T[], statuses: readonly T[]): T {
  return statuses.reduce((worst, status) => (order.indexOf(status) > order.indexOf(worst) ? status : worst));
}

/**
 * The most restrictive of several EDM statuses (merging contacts keeps it).
 *
 * @example
 * mostRestrictiveEdm(['subscribed', 'hard_bounce', 'unsubscribed']); // 'hard_bounce'
 */
export function mostRestrictiveEdm(statuses: readonly [EdmStatus, ...EdmStatus[]]): EdmStatus {
  return mostRestrictive(EDM_RESTRICTION, statuses);
}

/**
 * The most restrictive of several WhatsApp statuses (merging contacts keeps it).
 *
 * @example
 * mostRestrictiveWhatsapp(['opted_in', 'not_subscribed']); // 'not_subscribed'
 */
export function mostRestrictiveWhatsapp(
  statuses: readonly [WhatsappStatus, ...WhatsappStatus[]],
): WhatsappStatus {
  return mostRestrictive(WHATSAPP_RESTRICTION, statuses);
}

/**
 * Whether this contact makes its workspace need a signed WhatsApp Risk Acceptance (RULES §5): it is a
 * WhatsApp contact that is `not_subscribed` or `opted_out`.
 *
 * @example
 * needsWhatsappRiskAcceptance({ ...contact, whatsapp: { mobile: '+886912345678', status: 'opted_out' } }); // true
 */
/**
 * Whether writing `contact` over `previous` adds a contact that needs WhatsApp risk acceptance (RULES §8:
 * "a later import that adds non-subscribed contacts raises it again"): a new one, or one that became
 * not_subscribed / opted_out. Rewriting a contact that already needed it adds nothing.
 *
 * @example
 * addsWhatsappRisk({ whatsapp: { mobile, status: 'opted_out' } }, undefined); // true
 */
export function addsWhatsappRisk(
  contact: Pick<Contact, 'whatsapp' | 'mergedInto'>,
  previous: Pick<Contact, 'whatsapp' | 'mergedInto'> | undefined,
): boolean {
  return needsWhatsappRiskAcceptance(contact) && !(previous && needsWhatsappRiskAcceptance(previous));
}

export function needsWhatsappRiskAcceptance(contact: Pick<Contact, 'whatsapp' | 'mergedInto'>): boolean {
  const status = contact.whatsapp?.status;
  return contact.mergedInto === undefined && (status === 'not_subscribed' || status === 'opted_out');
}
