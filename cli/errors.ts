/**
 * Errors the operator can act on. Each one is printed as one line (what was wrong, what to do) and ends
 * the command with exit code 1; anything else is a bug or an AWS fault and shows its stack with --verbose.
 */

/** An argument or option the user gave is wrong; the message says which and what is accepted. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The stack to talk to is not there (no local stack up, a resource missing, no credentials). */
export class StackUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackUnavailableError';
  }
}

/** A part of the pipeline the command needs has not been built into this checkout yet. */
export class MissingComponentError extends Error {
  constructor(component: string, cause: unknown) {
    super(`${component} is not available in this checkout (${(cause as Error)?.message ?? cause})`);
    this.name = 'MissingComponentError';
  }
}

/** The import id given to `status` or `report` is unknown to the ledger. */
export class ImportNotFoundError extends Error {
  constructor(importId: string) {
    super(
      `no import "${importId}" was found: check the id printed by submit (and --local/--aws); a file just uploaded shows up within seconds`,
    );
    this.name = 'ImportNotFoundError';
  }
}

/** `submit --wait` gave up before the import finished; the import itself goes on (exit code 4). */
export class WaitTimeoutError extends Error {
  constructor(
    readonly importId: string,
    seconds: number,
    /** The last state seen, as `jobLine` prints it. */
    lastState?: string,
  ) {
    super(
      `import ${importId} did not finish within ${seconds} s${lastState ? ` (last seen: ${lastState})` : ''}; it goes on in the background: check it with \`status ${importId}\` (or wait longer with --timeout)`,
    );
    this.name = 'WaitTimeoutError';
  }
}

const OPERATOR_ERRORS = new Set([
  'UsageError',
  'StackUnavailableError',
  'MissingComponentError',
  'ImportNotFoundError',
  'WaitTimeoutError',
  'EmulatorUnavailableError',
  'ConfigurationError',
  'WorkspaceSettingsError',
  'WorkspaceNotSuspendedError',
  'InvalidReinstatementError',
  'SendingStateChangedError',
  'FieldTypeChangeError',
  'RiskAcceptanceNotRequiredError',
  'InvalidRiskAcceptanceError',
  'FieldNotFoundError',
]);

/** What a file-system error code means, and what to do about it. */
const FILE_ERRORS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder: choose another path',
  EISDIR: 'it is a folder, not a file: give a file',
  ENOENT: 'it does not exist: check the path',
  EACCES: 'permission denied: choose a path you can write to, or fix its permissions',
  EPERM: 'permission denied: choose a path you can write to, or fix its permissions',
  EROFS: 'the file system is read-only: choose another path',
  ENOSPC: 'the disk is full: free some space or choose another disk',
};

/** Codes of failed network look-ups and connections, with what to check. */
const NETWORK_ERRORS: Record<string, string> = {
  ENOTFOUND:
    'check AWS_ENDPOINT_URL (or use --local for the local stack), AWS_REGION / --outputs, and your network',
  EAI_AGAIN: 'the DNS lookup timed out: check your network, then run again',
  ETIMEDOUT: 'the connection timed out: check your network or VPN, then run again',
  ECONNRESET: 'the connection was reset: run again; if it persists, check your network or proxy',
};

function errnoOf(err: Error): NodeJS.ErrnoException | undefined {
  const candidates = [err, err.cause] as (NodeJS.ErrnoException | undefined)[];
  return candidates.find(
    (e) => typeof e?.code === 'string' && (e.code in FILE_ERRORS || e.code in NETWORK_ERRORS),
  );
}

/** Whether an error is one the operator caused or can fix, so that its one-line message is enough. */
export function isOperatorError(err: unknown): boolean {
  return err instanceof Error && (OPERATOR_ERRORS.has(err.name) || errnoOf(err) !== undefined);
}

/** One line for a file-system or network error: what failed, where, and what to do. */
function describeErrno(errno: NodeJS.ErrnoException): string {
  const code = errno.code as string;
  if (code in FILE_ERRORS) {
    const where = errno.path ? ` "${errno.path}"` : '';
    return `cannot ${errno.syscall ?? 'use'}${where} (${code}): ${FILE_ERRORS[code]}`;
  }
  const host = (errno as { hostname?: string }).hostname;
  return `cannot reach ${host ?? 'the stack'} (${code}): ${NETWORK_ERRORS[code]}`;
}

/**
 * The one line printed for an error: operator errors as they are, AWS faults with what usually causes them.
 *
 * @example
 * describeError(new UsageError('--channel must be one of line, edm, whatsapp, got "sms"'));
 * // '--channel must be one of line, edm, whatsapp, got "sms"'
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (OPERATOR_ERRORS.has(err.name)) return err.message;
  const errno = errnoOf(err);
  if (errno) return describeErrno(errno);
  const code = (err as { code?: string }).code ?? (err.cause as { code?: string } | undefined)?.code;
  if (err.name === 'CredentialsProviderError')
    return `no AWS credentials were found (${err.message}): configure a profile or environment credentials, or use --local`;
  if (err.name === 'NoSuchBucket')
    return `the upload bucket does not exist (${err.message}): check --stage / BUCKET_SUFFIX, or deploy the stack`;
  if (err.name === 'ResourceNotFoundException')
    return `a table of the stack does not exist (${err.message}): check --stage, or deploy the stack`;
  if (code === 'ECONNREFUSED')
    return `the stack's endpoint does not answer (${err.message}): is the local stack up? Try \`local status\``;
  return `${err.name}: ${err.message}`;
}
