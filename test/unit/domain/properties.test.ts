import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecideContext, decide, type Plan } from '../../../shared/domain/decide.js';
import { identitiesOf } from '../../../shared/domain/identities.js';
import { type Contact, OUTCOMES, UNIQUE_IDENTITY_TYPES } from '../../../shared/domain/model.js';
import { IRREVERSIBLE_EDM_STATUSES } from '../../../shared/domain/status.js';
import { anyRow, worldContacts } from '../../helpers/domain/arbitraries.js';
import { context, TEMPLATES, validator } from '../../helpers/domain/factories.js';
import { applyPlan, candidatesIn, type World, worldOf } from '../../helpers/domain/world.js';

/** Generous: property runs share two cores with the rest of the suite; the number of runs is fixed. */
const PROPERTY_TIMEOUT_MS = 60_000;

/** A world's contacts without versions (a write increments them even when nothing else changes). */
const contents = (world: World) => [...world.values()].map(({ version: _version, ...rest }) => rest);

/** The live contact a stored contact became: itself, or the survivor it was merged into. */
function liveOf(world: World, contactId: string): Contact {
  const found = world.get(contactId) as Contact;
  return found.mergedInto === undefined ? found : liveOf(world, found.mergedInto);
}

function step(world: World, channel: DecideContext['channel'], row: Parameters<typeof decide>[0], n: number) {
  const plan = decide(row, candidatesIn(world, row), context(channel, { newContactId: `c-new-${n}` }));
  return { plan, world: applyPlan(world, plan) };
}

const writes = (plan: Plan) =>
  plan.outcome === 'created' || plan.outcome === 'updated' ? [plan, ...plan.merged] : [];

describe('Properties of decide', () => {
  it(
    'applying a row twice equals applying it once',
    () => {
      fc.assert(
        fc.property(
          worldContacts,
          fc.array(anyRow, { maxLength: 4 }),
          anyRow,
          (contacts, earlier, { channel, row }) => {
            // Prepare: any world, also one that earlier rows shaped.
            const world = earlier.reduce(
              (w, e, n) => step(w, e.channel, e.row, 10 + n).world,
              worldOf(contacts),
            );
            const once = step(world, channel, row, 1);

            // Act
            const twice = step(once.world, channel, row, 2);

            // Assess
            if (once.plan.outcome === 'failed') expect(twice.plan).toEqual(once.plan);
            else expect(twice.plan.outcome).toBe('unchanged');
            expect(contents(twice.world)).toEqual(contents(once.world));
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'a blank cell never changes a stored value',
    () => {
      fc.assert(
        fc.property(worldContacts, anyRow, (contacts, { channel, row }) => {
          const { plan } = step(worldOf(contacts), channel, row, 1);
          if (plan.outcome !== 'updated') return;
          const before = plan.previous as Contact;
          // RULES §6: in a merge a blank cell takes the value of one of the merged contacts (the key's first).
          const stored = [before, ...plan.merged.map((m) => m.previous)];
          for (const field of ['name', 'note', 'customerId', 'gender', 'birthday'] as const) {
            if (row.profile[field] === undefined && before[field] !== undefined) {
              expect(stored.map((c) => c[field])).toContain(plan.contact[field]);
            }
          }
          for (const name of Object.keys(before.custom)) {
            if (!(name in row.custom))
              expect(stored.map((c) => c.custom[name])).toContain(plan.contact.custom[name]);
          }
          if (plan.merged.length === 0) {
            if (row.profile.email === undefined && row.edm === undefined)
              expect(plan.contact.email).toBe(before.email);
            if (row.profile.phone === undefined && row.whatsapp === undefined)
              expect(plan.contact.phone).toBe(before.phone);
            if (row.edm === undefined) expect(plan.contact.edm).toEqual(before.edm);
            if (row.whatsapp === undefined) expect(plan.contact.whatsapp).toEqual(before.whatsapp);
          }
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'tags never shrink, also across merges',
    () => {
      fc.assert(
        fc.property(worldContacts, anyRow, (contacts, { channel, row }) => {
          const { plan } = step(worldOf(contacts), channel, row, 1);
          if (plan.outcome !== 'updated') return;
          for (const previous of [plan.previous as Contact, ...plan.merged.map((m) => m.previous)]) {
            expect(plan.contact.tags).toEqual(expect.arrayContaining(previous.tags));
          }
          expect(plan.contact.tags).toEqual(expect.arrayContaining([...row.tags]));
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'over any sequence of rows: irreversible EDM statuses never become subscribed, channel primary keys never change and stay unique',
    () => {
      fc.assert(
        fc.property(worldContacts, fc.array(anyRow, { minLength: 1, maxLength: 8 }), (contacts, rows) => {
          let world = worldOf(contacts);
          rows.forEach(({ channel, row }, n) => {
            const before = world;
            world = step(world, channel, row, n).world;
            for (const old of before.values()) {
              if (old.mergedInto !== undefined) continue;
              const now = liveOf(world, old.contactId);
              if (old.edm && IRREVERSIBLE_EDM_STATUSES.has(old.edm.status)) {
                expect(now.edm?.status).not.toBe('subscribed');
              }
              if (old.line) expect(now.line?.uid).toBe(old.line.uid);
              if (old.edm) expect(now.edm?.email).toBe(old.edm.email);
              if (old.whatsapp) expect(now.whatsapp?.mobile).toBe(old.whatsapp.mobile);
              if (old.sms) expect(now.sms?.phone).toBe(old.sms.phone);
            }
            const held = [...world.values()]
              .flatMap(identitiesOf)
              .filter((identity) => UNIQUE_IDENTITY_TYPES.has(identity.type))
              .map((identity) => `${identity.type}#${identity.value}`);
            expect(new Set(held).size).toBe(held.length);
          });
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'writes only the contacts it read, each at the version it read',
    () => {
      fc.assert(
        fc.property(worldContacts, anyRow, (contacts, { channel, row }) => {
          const world = worldOf(contacts);
          const { plan } = step(world, channel, row, 1);
          for (const write of writes(plan)) {
            if (write.previous === undefined) expect(write.contact.version).toBe(0);
            else {
              expect(write.previous).toBe(world.get(write.previous.contactId));
              expect(write.contact.version).toBe(write.previous.version);
            }
          }
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('Property: every row gets exactly one outcome', () => {
  const cell = fc.constantFrom(
    '',
    ' ',
    'a@x.com',
    'bad@',
    '0912345678',
    '912345678',
    '8.86912E+11',
    '+886912345678',
    'subscribed',
    'opted_in',
    'opted_out',
    'unsubscribed',
    'female',
    '1990-01-01',
    '2099-01-01',
    '2024-05-01 10:00:00',
    'VIP,台北',
    'C1',
    'U00000000000000000000000000000001',
    '王小明',
  );
  const files = [
    { channel: 'whatsapp', validate: validator(TEMPLATES.whatsapp, 'whatsapp', 'phone') },
    { channel: 'edm', validate: validator(TEMPLATES.edm, 'edm', 'email') },
    { channel: 'line', validate: validator(TEMPLATES.line, 'line', 'customer_id') },
  ] as const;

  it(
    'validates then decides every row to one of created, updated, unchanged, skipped, failed',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...files),
          fc.array(cell, { maxLength: 9 }),
          worldContacts,
          ({ channel, validate }, cells, contacts) => {
            // Act
            const validated = validate(cells, 2);
            const plan: Plan | { outcome: 'failed' | 'skipped'; error: unknown } = validated.ok
              ? decide(validated.row, candidatesIn(worldOf(contacts), validated.row), context(channel))
              : validated;

            // Assess
            expect(OUTCOMES).toContain(plan.outcome);
            expect('error' in plan).toBe(plan.outcome === 'failed' || plan.outcome === 'skipped');
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
