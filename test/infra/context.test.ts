import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readPipelineContext } from '../../infra/context.js';
import { InvalidContextError } from '../../infra/errors.js';

function read(context: Record<string, unknown>) {
  return () => readPipelineContext(new App({ context }).node);
}

describe('Function: readPipelineContext', () => {
  it('defaults to the prod stage, not production, no subscriptions, no partners, INFO logs', () => {
    // WHEN no context is given
    const context = read({})();
    // THEN the defaults apply
    expect(context).toEqual({
      stage: 'prod',
      resourcePrefix: 'contact-import',
      production: false,
      alarmEmail: undefined,
      notificationEmail: undefined,
      sftpPartners: [],
      sesConfigurationSet: undefined,
      logLevel: 'INFO',
      contactsWarmThroughput: undefined,
    });
  });

  it('reads production and the partner list from command-line text as from cdk.json values', () => {
    const partner = { userName: 'acme-feed', workspace: 'acme', sshPublicKey: 'ssh-ed25519 AAAA' };
    const fromText = read({ production: 'true', sftpPartners: JSON.stringify([partner]) })();
    const fromJson = read({ production: true, sftpPartners: [partner] })();
    expect(fromText.production).toBe(true);
    expect(fromText.sftpPartners).toEqual([partner]);
    expect(fromJson).toEqual(fromText);
  });

  it('fails with the value when production is neither true nor false', () => {
    expect(read({ production: 'yes' })).toThrow(InvalidContextError);
    expect(read({ production: 'yes' })).toThrow('"yes"');
  });

  it('fails with the value when an email context is not an address', () => {
    expect(read({ alarmEmail: 'ops-at-example' })).toThrow(
      'context "alarmEmail" must be an email address, got "ops-at-example"',
    );
  });

  it('fails with the text when the partner list is not JSON or a partner misses a field', () => {
    expect(read({ sftpPartners: '[{userName:' })).toThrow('not valid JSON: [{userName:');
    expect(read({ sftpPartners: [{ userName: 'acme-feed', workspace: 'acme' }] })).toThrow(
      /sftpPartners\[0\]" needs string userName, workspace and sshPublicKey, got .*acme-feed/,
    );
  });

  it('fails with the value when the log level is unknown', () => {
    expect(read({ logLevel: 'TRACE' })).toThrow('got "TRACE"');
  });

  it('reads the contacts table warm throughput, the other value at a new table default', () => {
    expect(read({ contactsWarmWriteUnits: '20000' })().contactsWarmThroughput).toEqual({
      writeUnitsPerSecond: 20_000,
      readUnitsPerSecond: 12_000,
    });
    expect(read({ contactsWarmReadUnits: 40_000 })().contactsWarmThroughput).toEqual({
      writeUnitsPerSecond: 4000,
      readUnitsPerSecond: 40_000,
    });
  });

  it('fails with the value when a warm throughput is not a whole number or below the default', () => {
    expect(read({ contactsWarmWriteUnits: '2000' })).toThrow(
      'context "contactsWarmWriteUnits" must be a whole number of units per second, at least 4,000',
    );
    expect(read({ contactsWarmReadUnits: 'lots' })).toThrow('got "lots"');
  });
});
