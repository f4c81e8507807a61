import { describe, expect, it } from 'vitest';
import type { Channel, KeyName, RowInput } from '../../../shared/domain/model.js';
import { contact, lineUid, TEMPLATES, validator } from '../../helpers/domain/factories.js';
import { type ModelFile, type ModelState, runSequence, stateOf, userView, view } from '../../model/oracle.js';
import { componentsOf, reachableFinals } from '../../model/orders.js';

const P = '+886912345678';
const Q = '+886922333444';

/** Validated rows of one file, from cells given by column name (the real validator, RULES §3). */
function rows(channel: Channel, key: KeyName, cells: readonly Record<string, string>[]): RowInput[] {
  const header = TEMPLATES[channel] as readonly string[];
  const validate = validator(header, channel, key);
  return cells.map((byName, i) => {
    const result = validate(
      header.map((column) => byName[column] ?? ''),
      i + 2,
    );
    if (!result.ok) throw new Error(`row ${i + 2} is invalid: ${result.error.message}`);
    return result.row;
  });
}

const file = (channel: Channel, order: number): ModelFile => ({ channel, order });
const run = (state: ModelState, f: ModelFile, input: readonly RowInput[]) =>
  runSequence(
    state,
    input.map((row) => ({ row, file: f })),
  );
const live = (state: ModelState) => [...state.values()].map(view);

describe('Oracle: the six reproductions of issue 16', () => {
  it('creates Kid for a family phone and never renames Mom (RULES §6 example)', () => {
    // Prepare
    const mom = rows('edm', 'email', [
      { email: 'mom@x.com', messaging_status: 'subscribed', display_name: 'Mom', mobile: P },
    ]);
    const kid = rows('edm', 'email', [
      { email: 'kid@x.com', messaging_status: 'unsubscribed', display_name: 'Kid', mobile: P },
    ]);

    // Act
    const first = run(stateOf([]), file('edm', 1), mom);
    const second = run(first.state, file('edm', 2), kid);

    // Assess
    expect(second.outcomes).toEqual(['created']);
    expect(live(second.state)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'Mom',
          phone: P,
          edm: expect.objectContaining({ status: 'subscribed' }),
        }),
        expect.objectContaining({
          name: 'Kid',
          phone: P,
          edm: expect.objectContaining({ status: 'unsubscribed' }),
        }),
      ]),
    );
    expect(second.state.size).toBe(2);
  });

  it('keeps a second LINE account sharing a phone, and a later import by phone updates the latest created (RULES §4)', () => {
    // Prepare
    const accounts = rows('line', 'line_uid', [
      { line_uid: lineUid(1), phone: Q, name: 'One' },
      { line_uid: lineUid(2), phone: Q, name: 'Two' },
    ]);
    const byPhone = rows('line', 'phone', [{ phone: Q, note: 'called' }]);

    // Act
    const first = run(stateOf([]), file('line', 1), accounts);
    const later = run(first.state, file('line', 2), byPhone);

    // Assess
    expect(first.outcomes).toEqual(['created', 'created']);
    expect(later.outcomes).toEqual(['updated']);
    expect(live(later.state)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'One', note: null }),
        expect.objectContaining({ name: 'Two', note: 'called' }),
      ]),
    );
  });

  it('keeps a second WhatsApp number sharing an email and a second UID sharing a customer_id apart', () => {
    // Prepare
    const whatsapp = rows('whatsapp', 'phone', [
      { WhatsApp_mobile: P, messaging_status: 'opted_in', email: 'a@x.com' },
      { WhatsApp_mobile: Q, messaging_status: 'opted_in', email: 'a@x.com' },
    ]);
    const line = rows('line', 'line_uid', [
      { line_uid: lineUid(1), customer_id: 'C1' },
      { line_uid: lineUid(2), customer_id: 'C1' },
    ]);

    // Act
    const numbers = run(stateOf([]), file('whatsapp', 1), whatsapp);
    const uids = run(stateOf([]), file('line', 1), line);

    // Assess
    expect(numbers.outcomes).toEqual(['created', 'created']);
    expect(uids.outcomes).toEqual(['created', 'created']);
  });

  it('lets the key decide among several holders, whatever line_uid the row carries (RULES §4)', () => {
    // Prepare: two holders of phone P; the row carries the older one's UID.
    const older = contact(1, { name: 'Older', phone: P, line: { uid: lineUid(1) } });
    const newer = contact(2, { name: 'Newer', phone: P, line: { uid: lineUid(2) } });
    const row = rows('line', 'phone', [{ phone: P, line_uid: lineUid(1), note: 'row' }]);

    // Act
    const result = run(stateOf([older, newer]), file('line', 1), row);

    // Assess: the later-created is updated, the UID is ignored (it differs), nothing merges.
    expect(result.outcomes).toEqual(['updated']);
    expect(live(result.state)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Older', note: null, line: { uid: lineUid(1) } }),
        expect.objectContaining({ name: 'Newer', note: 'row', line: { uid: lineUid(2) } }),
      ]),
    );
  });

  it('ends each pair of rows sharing an email as its later row, whatever the processing order (RULES §9)', () => {
    // Prepare: key phone, pairs with different phones and the same email.
    const input = rows('line', 'phone', [
      { phone: P, email: 'a@x.com', name: 'A1' },
      { phone: '+886933444555', email: 'b@x.com', name: 'B1' },
      { phone: Q, email: 'a@x.com', name: 'A2' },
      { phone: '+886944555666', email: 'b@x.com', name: 'B2' },
    ]);
    const imported = { file: file('line', 1), rows: input };

    // Act
    const components = componentsOf(imported);
    const finals = reachableFinals(stateOf([]), [imported]);

    // Assess
    expect(components.map((c) => c.map((r) => r.rowNumber))).toEqual([
      [2, 4],
      [3, 5],
    ]);
    expect(finals).toHaveLength(1);
    const [final] = finals;
    expect(live(final?.state ?? new Map())).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'A2', phone: Q, email: 'a@x.com' }),
        expect.objectContaining({ name: 'B2', phone: '+886944555666', email: 'b@x.com' }),
      ]),
    );
    expect(final?.counts).toEqual({ created: 2, updated: 2, unchanged: 0, skipped: 0, failed: 0 });
  });

  it('merges with the row first, then the key contact, then the others latest created first (RULES §6)', () => {
    // Prepare: K holds the key; O1 (earliest) holds the row's customer_id, O2 its phone.
    const o1 = contact(1, {
      name: 'O1',
      customerId: 'C1',
      gender: 'female',
      note: 'o1',
      birthday: '1980-01-01',
    });
    const o2 = contact(2, { name: 'O2', phone: '+886912345678', gender: 'male', tags: ['old'] });
    const k = contact(3, { name: 'K', email: 'k@x.com', note: 'k', tags: ['VIP'] });
    const row = rows('line', 'email', [
      { email: 'k@x.com', customer_id: 'C1', phone: '0912345678', name: 'Row' },
    ]);

    // Act
    const result = run(stateOf([o1, o2, k]), file('line', 1), row);

    // Assess: one contact, keeping the earliest id.
    expect(result.outcomes).toEqual(['updated']);
    expect([...result.state.keys()]).toEqual([o1.contactId]);
    expect(live(result.state)).toEqual([
      expect.objectContaining({
        name: 'Row',
        note: 'k',
        gender: 'male',
        birthday: '1980-01-01',
        email: 'k@x.com',
        customerId: 'C1',
        tags: ['VIP', 'old'],
      }),
    ]);
  });

  it('counts a row applied again as unchanged, so a replay never adds a creation (RULES §7)', () => {
    // Prepare
    const input = rows('line', 'line_uid', [{ line_uid: lineUid(1), name: 'Ann', tags: 'VIP' }]);
    const once = run(stateOf([]), file('line', 1), input);

    // Act
    const again = run(once.state, file('line', 1), input);

    // Assess
    expect(again.outcomes).toEqual(['unchanged']);
    expect(userView(again.state.values())).toEqual(userView(once.state.values()));
  });
});

describe('Function: reachableFinals', () => {
  it('applies two components that meet only through a stored contact either way round (RULES §9)', () => {
    // Prepare: S holds phone P and customer_id C1; row 2 reaches it by P, row 3 (another component) by C1.
    const s = contact(1, { name: 'S', phone: P, customerId: 'C1' });
    const input = rows('line', 'phone', [
      { phone: P, name: 'X' },
      { phone: Q, customer_id: 'C1', name: 'Y' },
    ]);

    // Act
    const finals = reachableFinals(stateOf([s]), [{ file: file('line', 1), rows: input }]);

    // Assess: 2 then 3 leaves one contact; 3 then 2 moves S to Q first, so row 2 creates.
    expect(finals.map((f) => f.state.size).sort()).toEqual([1, 2]);
  });

  it('interleaves two imports run at once, each keeping its own order (RULES §9)', () => {
    // Prepare: both files create or update the contact of U1.
    const first = rows('line', 'line_uid', [{ line_uid: lineUid(1), name: 'A' }]);
    const second = rows('line', 'line_uid', [{ line_uid: lineUid(1), name: 'B' }]);

    // Act
    const finals = reachableFinals(stateOf([]), [
      { file: file('line', 1), rows: first },
      { file: file('line', 2), rows: second },
    ]);

    // Assess: either name may be last, one contact either way.
    expect(finals.map((f) => live(f.state).map((c) => c.name))).toEqual(
      expect.arrayContaining([['A'], ['B']]),
    );
    expect(finals).toHaveLength(2);
  });
});
