import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { PartnerSftp, type SftpPartner } from '../../infra/constructs/partner-sftp.js';
import { InvalidPropsError } from '../../infra/errors.js';
import { STACK_OUTPUTS } from '../../infra/outputs.js';
import { resourcesFor } from '../../shared/resources.js';
import { logicalIdOf, nagFindings, render, statementsOfRole, synthesize, TEST_ENV } from './synth.js';

const ACME: SftpPartner = {
  userName: 'acme-feed',
  workspace: 'acme',
  sshPublicKey:
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl acme@example.com',
};
const GLOBEX: SftpPartner = {
  userName: 'globex.sftp',
  workspace: 'globex',
  sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 globex@example.com',
};

// GIVEN a stack whose context lists two partners (as `-c sftpPartners='[…]'` passes them: JSON text)
const { stack, template } = synthesize(
  { stage: 'test', sftpPartners: JSON.stringify([ACME, GLOBEX]) },
  { env: TEST_ENV },
);
const bucketName = resourcesFor('test', 'contact-import', TEST_ENV.account).bucket.name;
const bucketArn = `${logicalIdOf(stack.uploads.bucket)}.Arn`;
const users = Object.values(template.findResources('AWS::Transfer::User'));

function userNamed(name: string) {
  const user = users.find((u) => u.Properties.UserName === name);
  if (!user) throw new Error(`no Transfer user ${name}`);
  return user;
}

interface SessionStatement {
  Action: string | string[];
  Resource: string | string[];
  Condition?: { StringLike?: { 's3:prefix'?: string[] } };
}

function sessionPolicyOf(name: string): SessionStatement[] {
  return JSON.parse(render(userNamed(name).Properties.Policy)).Statement;
}

describe('Construct: PartnerSftp', () => {
  it('runs one SFTP server with service-managed users and structured logs', () => {
    template.resourceCountIs('AWS::Transfer::Server', 1);
    template.hasResourceProperties('AWS::Transfer::Server', {
      Protocols: ['SFTP'],
      IdentityProviderType: 'SERVICE_MANAGED',
      Domain: 'S3',
      StructuredLogDestinations: [Match.objectLike({ 'Fn::GetAtt': Match.anyValue() })],
    });
    expect(users.map((u) => u.Properties.UserName).sort()).toEqual(['acme-feed', 'globex.sftp']);
  });

  it('tells the splitter the access role id, so the history names SFTP uploads by partner', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'contact-import-test-splitter',
      Environment: {
        Variables: Match.objectLike({
          SFTP_ROLE_ID: { 'Fn::GetAtt': [logicalIdOf(stack.sftp?.accessRole as never), 'RoleId'] },
        }),
      },
    });
  });

  it("maps each partner's logical root to its own workspace folder of the upload bucket", () => {
    for (const partner of [ACME, GLOBEX]) {
      const user = userNamed(partner.userName);
      expect(user.Properties).toMatchObject({
        HomeDirectoryType: 'LOGICAL',
        HomeDirectoryMappings: [{ Entry: '/', Target: `/${bucketName}/incoming/${partner.workspace}` }],
        SshPublicKeys: [partner.sshPublicKey],
      });
    }
  });

  it("limits each partner's session to its own incoming/<workspace>/ folder", () => {
    // WHEN the session policy of each user is read
    const acme = sessionPolicyOf('acme-feed');
    // THEN every object action names only the partner's folder, and listing only its prefix
    const objectResources = acme
      .filter((s) => String(s.Action).includes('Object'))
      .flatMap((s) => s.Resource);
    expect(objectResources).toEqual([`<${bucketArn}>/incoming/acme/*`]);
    const listing = acme.find((s) => s.Action === 's3:ListBucket');
    expect(listing?.Resource).toBe(`<${bucketArn}>`);
    expect(listing?.Condition?.StringLike?.['s3:prefix']).toEqual(['incoming/acme/', 'incoming/acme/*']);
    expect(JSON.stringify(acme)).not.toContain('globex');
    expect(JSON.stringify(sessionPolicyOf('globex.sftp'))).not.toContain('acme');
  });

  it('keeps each session policy within the 2048 characters Transfer Family accepts', () => {
    for (const user of users) expect(render(user.Properties.Policy).length).toBeLessThanOrEqual(2048);
  });

  it('lets the shared partner role touch incoming/ only, and only Transfer Family of this account assume it', () => {
    const role = stack.sftp?.accessRole;
    expect(role).toBeDefined();
    const roleId = logicalIdOf(role as NonNullable<typeof role>);
    const statements = statementsOfRole(template, roleId);
    const resources = statements.flatMap((s) => s.resources);
    expect(resources.every((r) => r.endsWith('/incoming/*') || !r.includes('/'))).toBe(true);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(
      ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort(),
    );
    const trust = template.findResources('AWS::IAM::Role')[roleId]?.Properties.AssumeRolePolicyDocument;
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: 'transfer.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': TEST_ENV.account } },
    });
    for (const user of users) expect(user.Properties.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  it('outputs the server id and the host name partners connect to', () => {
    template.hasOutput(STACK_OUTPUTS.sftpServerId, {});
    template.hasOutput(STACK_OUTPUTS.sftpEndpoint, {});
  });

  it('has no unacknowledged cdk-nag finding with partners', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  describe('bad partners', () => {
    function build(partners: readonly SftpPartner[]) {
      const scope = new Stack(new App(), 'Sftp');
      const bucket = new s3.Bucket(scope, 'Bucket');
      return () => new PartnerSftp(scope, 'Sftp', { bucket, bucketName: 'uploads', partners });
    }

    it('fails at synth time when a workspace is not a workspace name', () => {
      expect(build([{ ...ACME, workspace: '../globex' }])).toThrow(InvalidPropsError);
      expect(build([{ ...ACME, workspace: '../globex' }])).toThrow('"../globex"');
    });

    it('fails at synth time when a key is not an OpenSSH public key', () => {
      expect(build([{ ...ACME, sshPublicKey: '-----BEGIN RSA PRIVATE KEY-----' }])).toThrow(
        /not an OpenSSH public key: "-----BEGIN RSA/,
      );
    });

    it('fails at synth time when a user name is given twice or is malformed', () => {
      expect(build([ACME, { ...GLOBEX, userName: ACME.userName }])).toThrow('"acme-feed" is given twice');
      expect(build([{ ...ACME, userName: 'a/b' }])).toThrow('"a/b"');
    });

    it('fails at synth time without partners', () => {
      expect(build([])).toThrow('partners must not be empty');
    });
  });
});
