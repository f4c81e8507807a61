import { describe, expect, it } from 'vitest';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { WorkspaceSettingsError } from '../../../shared/domain/errors.js';
import { useEmulator } from '../../helpers/emulator.js';

const env = useEmulator();

let sequence = 0;
function newWorkspace(): string {
  sequence += 1;
  return `settings-${sequence}`;
}

function store() {
  return new DynamoWorkspaceStore(env.clients.dynamodb, env.provisioned.tables.contacts);
}

describe('Class: DynamoWorkspaceStore', () => {
  it('gives a new workspace region TW, time zone Asia/Taipei and no flags', async () => {
    // Act
    const settings = await store().getSettings(newWorkspace());

    // Assess
    expect(settings).toMatchObject({ region: 'TW', timeZone: 'Asia/Taipei', flags: {} });
  });

  it('stores a region (upper-cased) and a time zone, keeping the other as it was', async () => {
    // Prepare
    const ws = newWorkspace();

    // Act
    await store().putSettings(ws, { timeZone: 'Asia/Tokyo' });
    const returned = await store().putSettings(ws, { region: 'jp' });

    // Assess
    expect(returned).toEqual({ workspace: ws, region: 'JP', timeZone: 'Asia/Tokyo', flags: {} });
    expect(await store().getSettings(ws)).toEqual(returned);
  });

  it('refuses a region without a phone numbering plan, naming it', async () => {
    // Act
    const put = store().putSettings(newWorkspace(), { region: 'XX' });

    // Assess
    await expect(put).rejects.toBeInstanceOf(WorkspaceSettingsError);
    await expect(put).rejects.toThrow('Region "XX" is not a supported ISO 3166-1 alpha-2 phone region');
  });

  it('refuses a time zone that is not an IANA zone, naming it', async () => {
    // Prepare
    const ws = newWorkspace();

    // Act
    const put = store().putSettings(ws, { region: 'US', timeZone: 'Mars/Olympus' });

    // Assess
    await expect(put).rejects.toThrow('Time zone "Mars/Olympus" is not a valid IANA time zone');
    expect(await store().getSettings(ws)).toMatchObject({ region: 'TW' });
  });

  it('sets flags independently and keeps them across settings changes', async () => {
    // Prepare
    const ws = newWorkspace();

    // Act
    await Promise.all([
      store().setFlags(ws, { whatsappRiskAcceptanceRequired: true }),
      store().setFlags(ws, { edmSendingSuspended: true }),
    ]);
    await store().putSettings(ws, { region: 'SG' });
    await store().setFlags(ws, { edmSendingSuspended: false });

    // Assess
    expect(await store().getSettings(ws)).toMatchObject({
      region: 'SG',
      flags: { whatsappRiskAcceptanceRequired: true, edmSendingSuspended: false },
    });
  });

  it('defines custom fields, redefines one by name, and lists them with the settings in one read', async () => {
    // Prepare
    const ws = newWorkspace();
    await store().putSettings(ws, { region: 'HK' });

    // Act
    await store().defineField(ws, { name: 'points', type: 'text' });
    await store().defineField(ws, { name: 'tier', type: 'select', options: ['gold', 'silver'] });
    await store().defineField(ws, { name: 'points', type: 'number' });
    const { settings, fields } = await store().load(ws);

    // Assess
    expect(fields).toEqual([
      { name: 'points', type: 'number' },
      { name: 'tier', type: 'select', options: ['gold', 'silver'] },
    ]);
    expect(await store().listFields(ws)).toEqual(fields);
    expect(settings.region).toBe('HK');
  });

  it('refuses a select without options and a field of unknown type', async () => {
    // Prepare
    const ws = newWorkspace();

    // Act
    const select = store().defineField(ws, { name: 'tier', type: 'select' });
    const unknown = store().defineField(ws, { name: 'x', type: 'color' as 'text' });

    // Assess
    await expect(select).rejects.toThrow('Custom field "tier" is a select and needs at least one option');
    await expect(unknown).rejects.toThrow('Custom field "x" has type "color"');
    expect(await store().listFields(ws)).toEqual([]);
  });
});
