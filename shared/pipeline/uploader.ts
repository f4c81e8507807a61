/**
 * Who or what uploaded an import's file, as far as S3 tells: the CLI's `submit` names itself in the
 * object's user metadata; a partner's SFTP session writes with the Transfer Family access role, whose
 * session the S3 event names; anything else (console, `aws s3 cp`, an SDK) is a direct upload.
 */

/** The user-metadata key `submit` sets (`x-amz-meta-uploaded-by: cli:<os user>`). */
export const UPLOADED_BY_METADATA = 'uploaded-by';

export type UploaderKind = 'cli' | 'sftp' | 'direct';

export interface Uploader {
  readonly kind: UploaderKind;
  /** The OS user of the CLI, or the SFTP user name. */
  readonly name?: string;
}

/** The metadata value the CLI sets. @example cliUploadedBy('amy'); // 'cli:amy' */
export function cliUploadedBy(user: string): string {
  return `cli:${user}`;
}

/**
 * The uploader of an object from its user metadata and the S3 event's `userIdentity.principalId`
 * (`AWS:<role id>:<session name>` for an assumed role; Transfer Family's session is the SFTP user).
 *
 * @example
 * uploaderOf({ 'uploaded-by': 'cli:amy' }, undefined, undefined); // { kind: 'cli', name: 'amy' }
 * uploaderOf({}, 'AWS:AROAEXAMPLE:acme-feed', 'AROAEXAMPLE');     // { kind: 'sftp', name: 'acme-feed' }
 * uploaderOf({}, 'AWS:AIDAEXAMPLE', 'AROAEXAMPLE');               // { kind: 'direct' }
 */
export function uploaderOf(
  metadata: Readonly<Record<string, string>> | undefined,
  principalId: string | undefined,
  sftpRoleId: string | undefined,
): Uploader {
  const tagged = metadata?.[UPLOADED_BY_METADATA];
  if (tagged?.startsWith('cli:')) {
    const name = tagged.slice('cli:'.length).trim();
    return name ? { kind: 'cli', name } : { kind: 'cli' };
  }
  const sftpPrefix = sftpRoleId ? `AWS:${sftpRoleId}:` : undefined;
  if (sftpPrefix && principalId?.startsWith(sftpPrefix)) {
    const name = principalId.slice(sftpPrefix.length);
    return name ? { kind: 'sftp', name } : { kind: 'sftp' };
  }
  return { kind: 'direct' };
}

/** `cli (amy)`, `sftp (acme-feed)`, `direct`. */
export function uploaderLabel(uploader: Uploader | undefined): string {
  if (!uploader) return 'unknown';
  return uploader.name ? `${uploader.kind} (${uploader.name})` : uploader.kind;
}
