/**
 * Errors thrown while the CDK app is built (synth time), so a bad setting fails `cdk synth` with the
 * offending value instead of failing a deployment half-way.
 */

/** A construct was given a property value it cannot deploy. */
export class InvalidPropsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPropsError';
  }
}

/** A `-c key=value` or `cdk.json` context value is malformed. */
export class InvalidContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContextError';
  }
}
