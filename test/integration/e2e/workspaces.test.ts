import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';
import { type Subscriber, subscribe } from '../../helpers/e2e/subscriber.js';

const pipeline = usePipeline();
let operators: Subscriber;

beforeAll(async () => {
  operators = await subscribe(pipeline.env.clients, pipeline.env.provisioned.topics.alarms, 'e2e-operators');
});

const FILE = 'phone,name\n0912345678,Ann\n';

describe('End to end: unknown workspaces (RULES §1)', () => {
  it.each([
    ['an unknown workspace (a typo)', 'incoming/acmee/line/phone/a.csv', 'acmee', 'UNKNOWN_WORKSPACE'],
    [
      'a key whose workspace segment is invalid',
      'incoming/Not_A_Workspace/line/phone/a.csv',
      'unknown',
      'INVALID_OBJECT_KEY',
    ],
  ])(
    'rejects an upload to %s: it creates nothing and only the operators hear of it',
    async (_case, key, workspace, code) => {
      // Act
      const upload = await pipeline.upload(key, FILE, { register: false });
      await pipeline.runner.idle();

      // Assess: no job, no report, no contact, no workspace, no tenant notification
      const ledger = new DynamoImportLedger(
        pipeline.env.clients.dynamodb,
        pipeline.env.provisioned.tables.imports,
      );
      expect(await ledger.getJob(workspace, upload.importId)).toBeUndefined();
      expect(await pipeline.store.list(`reports/${workspace}/`)).toEqual([]);
      expect(await pipeline.store.list('parts/')).toEqual([]);
      expect(await pipeline.liveContacts(workspace)).toEqual([]);
      const workspaces = new DynamoWorkspaceStore(
        pipeline.env.clients.dynamodb,
        pipeline.env.provisioned.tables.contacts,
      );
      expect(await workspaces.findSettings(workspace)).toBeUndefined();
      expect(await pipeline.notifications()).toEqual([]);
      const alerts = await operators.drain();
      expect(alerts.map((a) => a.attributes)).toEqual([{ outcome: 'rejected', code }]);
      expect(alerts[0]?.body).toMatchObject({
        rejection: { code },
        source: { key, versionId: upload.versionId },
      });
    },
  );

  it('imports into the workspace once it is registered, and the operators hear nothing', async () => {
    // Act
    const result = await pipeline.result(await pipeline.upload('incoming/acme/line/phone/a.csv', FILE));

    // Assess
    expect(result.summary).toMatchObject({ outcome: 'succeeded', rows: { created: 1 } });
    expect(await operators.drain()).toEqual([]);
  });
});
