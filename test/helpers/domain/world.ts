/**
 * A tiny in-memory workspace for property tests: resolves a row's candidates the way the processor does
 * (identity index over live contacts, tombstones followed) and applies plans.
 */
import type { Candidates, Plan } from '../../../shared/domain/decide.js';
import { identitiesOf, identityKey, keyIdentity, rowIdentities } from '../../../shared/domain/identities.js';
import type { Contact, Identity, RowInput } from '../../../shared/domain/model.js';

export type World = ReadonlyMap<string, Contact>;

export function worldOf(contacts: readonly Contact[]): World {
  return new Map(contacts.map((c) => [c.contactId, c]));
}

function holders(world: World, identity: Identity): Contact[] {
  const wanted = identityKey(identity);
  return [...world.values()].filter((c) => identitiesOf(c).some((held) => identityKey(held) === wanted));
}

/** The candidates of a row in a world. */
export function candidatesIn(world: World, row: RowInput): Candidates {
  const key = keyIdentity(row);
  return {
    byKey: holders(world, key),
    byIdentity: rowIdentities(row)
      .filter((identity) => identityKey(identity) !== identityKey(key))
      .map((identity) => ({ identity, contacts: holders(world, identity) })),
  };
}

/** The world after a plan is written (versions incremented as the store would). */
export function applyPlan(world: World, plan: Plan): World {
  if (plan.outcome !== 'created' && plan.outcome !== 'updated') return world;
  const next = new Map(world);
  for (const write of [plan, ...plan.merged]) {
    next.set(write.contact.contactId, { ...write.contact, version: write.contact.version + 1 });
  }
  return next;
}
