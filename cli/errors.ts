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

/** `submit --wait` gave up before the import finished; the import itself goes on. */
export class WaitTimeoutError extends Error {
  constructor(importId: string, seconds: number) {
    super(
      `import ${importId} did not finish within ${seconds} s; it goes on in the background: check it with \`status ${importId}\``,
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

/** Whether an error is one the operator caused or can fix, so that its one-line message is enough. */
export function isOperatorError(err: unknown): boolean {
  return err instanceof Error && OPERATOR_ERRORS.has(err.name);
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
  if (isOperatorError(err)) return err.message;
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
