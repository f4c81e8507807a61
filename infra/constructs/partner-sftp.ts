/**
 * Partner delivery by SFTP: an AWS Transfer Family server (service-managed users, SSH keys) in front of
 * the upload bucket. Each partner is fenced to its workspace twice over: its LOGICAL home directory
 * maps `/` to `/<bucket>/incoming/<workspace>`, so paths outside it do not exist for the partner, and
 * its session policy allows S3 actions only under `incoming/<workspace>/`.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as transfer from 'aws-cdk-lib/aws-transfer';
import { Construct } from 'constructs';
import { INCOMING_PREFIX } from '../../shared/resources.js';
import { InvalidPropsError } from '../errors.js';
import { acknowledgePrefixGrant } from '../permissions.js';

/** One partner allowed to deliver files into one workspace. */
export interface SftpPartner {
  /** The SFTP user name (Transfer Family: 3-100 of letters, digits, `_`, `-`, `.`, `@`). */
  readonly userName: string;
  /** The workspace whose `incoming/<workspace>/` folder is the partner's home. */
  readonly workspace: string;
  /** The partner's SSH public key, e.g. `ssh-ed25519 AAAA… partner@example.com`. */
  readonly sshPublicKey: string;
}

export interface PartnerSftpProps {
  /** The upload bucket. */
  readonly bucket: s3.IBucket;
  /** The bucket's name as a plain value (`resources.bucket.name`), used in home directory mappings. */
  readonly bucketName: string;
  /** At least one partner. */
  readonly partners: readonly SftpPartner[];
  /**
   * Transfer Family security policy (ciphers, key exchange, MACs).
   * @default 'TransferSecurityPolicy-2024-01'
   */
  readonly securityPolicyName?: string;
  /**
   * How long the server's structured logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

const USER_NAME = /^[\w][\w@.-]{2,99}$/;
/** Same shape as the workspace part of an import id (`shared/ids.ts`). */
const WORKSPACE = /^[a-z0-9][a-z0-9-]{1,62}$/;
const SSH_PUBLIC_KEY = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$/;

function validate(partners: readonly SftpPartner[]): void {
  if (partners.length === 0) throw new InvalidPropsError('partners must not be empty, got []');
  const seen = new Set<string>();
  for (const partner of partners) {
    if (!USER_NAME.test(partner.userName)) {
      throw new InvalidPropsError(`SFTP userName "${partner.userName}" does not match ${USER_NAME}`);
    }
    if (seen.has(partner.userName)) {
      throw new InvalidPropsError(`SFTP userName "${partner.userName}" is given twice`);
    }
    seen.add(partner.userName);
    if (!WORKSPACE.test(partner.workspace)) {
      throw new InvalidPropsError(
        `workspace "${partner.workspace}" of SFTP user ${partner.userName} does not match ${WORKSPACE}`,
      );
    }
    if (!SSH_PUBLIC_KEY.test(partner.sshPublicKey.trim())) {
      throw new InvalidPropsError(
        `sshPublicKey of SFTP user ${partner.userName} is not an OpenSSH public key: "${partner.sshPublicKey.slice(0, 40)}…"`,
      );
    }
  }
}

/** The folder a partner may write to: `incoming/<workspace>/`. */
export function partnerFolder(workspace: string): string {
  return `${INCOMING_PREFIX}${workspace}/`;
}

/**
 * @example
 * new PartnerSftp(this, 'Sftp', {
 *   bucket, bucketName,
 *   partners: [{ userName: 'acme-feed', workspace: 'acme', sshPublicKey: 'ssh-ed25519 AAAA…' }],
 * });
 */
export class PartnerSftp extends Construct {
  readonly server: transfer.CfnServer;
  /** The role every partner session assumes; each user's session policy narrows it to one workspace. */
  readonly accessRole: iam.Role;
  readonly users: readonly transfer.CfnUser[];
  /** `<server id>.server.transfer.<region>.amazonaws.com` */
  readonly endpoint: string;

  constructor(scope: Construct, id: string, props: PartnerSftpProps) {
    super(scope, id);
    validate(props.partners);
    const stack = Stack.of(this);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.server = new transfer.CfnServer(this, 'Server', {
      protocols: ['SFTP'],
      identityProviderType: 'SERVICE_MANAGED',
      endpointType: 'PUBLIC',
      domain: 'S3',
      securityPolicyName: props.securityPolicyName ?? 'TransferSecurityPolicy-2024-01',
      structuredLogDestinations: [logGroup.logGroupArn],
    });
    this.endpoint = `${this.server.attrServerId}.server.transfer.${stack.region}.${stack.urlSuffix}`;

    this.accessRole = new iam.Role(this, 'AccessRole', {
      description: 'Partner SFTP sessions; each user session policy narrows it to incoming/<workspace>/',
      assumedBy: new iam.ServicePrincipal('transfer.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'transfer',
            resource: 'user',
            resourceName: `${this.server.attrServerId}/*`,
          }),
        },
      }),
    });
    this.accessRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListIncoming',
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [INCOMING_PREFIX, `${INCOMING_PREFIX}*`] } },
      }),
    );
    this.accessRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteIncoming',
        // Get and Delete too: SFTP clients stat what they wrote and upload-then-rename (copy + delete).
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        resources: [props.bucket.arnForObjects(`${INCOMING_PREFIX}*`)],
      }),
    );
    acknowledgePrefixGrant(
      this.accessRole,
      props.bucket,
      INCOMING_PREFIX,
      'One role serves every partner; each user session policy narrows it to incoming/<workspace>/*.',
    );

    this.users = props.partners.map(
      (partner) =>
        new transfer.CfnUser(this, `User-${partner.userName}`, {
          serverId: this.server.attrServerId,
          userName: partner.userName,
          role: this.accessRole.roleArn,
          homeDirectoryType: 'LOGICAL',
          homeDirectoryMappings: [
            { entry: '/', target: `/${props.bucketName}/${INCOMING_PREFIX}${partner.workspace}` },
          ],
          policy: stack.toJsonString(this.sessionPolicy(props.bucket, partner.workspace)),
          sshPublicKeys: [partner.sshPublicKey.trim()],
        }),
    );
  }

  /** The session policy of one partner: list, read and write `incoming/<workspace>/` and nothing else. */
  private sessionPolicy(bucket: s3.IBucket, workspace: string): iam.PolicyDocument {
    const folder = partnerFolder(workspace);
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'ListOwnWorkspace',
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [folder, `${folder}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadWriteOwnWorkspace',
          actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
          resources: [bucket.arnForObjects(`${folder}*`)],
        }),
      ],
    });
  }
}
