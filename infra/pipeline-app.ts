/**
 * Builds the pipeline stack of a CDK app from its context, with the cdk-nag AwsSolutions checks applied:
 * `cdk synth` fails on any finding that is not suppressed with a reason.
 */
import { type App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readPipelineContext } from './context.js';
import { stackNameFor } from './outputs.js';
import { ContactImportStack } from './stack.js';

/** The account and region the CDK CLI resolved from the caller's credentials, if any. */
function defaultEnvironment(): Environment | undefined {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  return account || region ? { account, region } : undefined;
}

/**
 * Adds the stack that the app's context describes (see `infra/context.ts`) and the cdk-nag checks.
 *
 * @example
 * const app = new App({ context: { stage: 'staging' } });
 * const stack = createPipelineStack(app); // stack 'contact-import-staging'
 */
export function createPipelineStack(app: App, env: Environment | undefined = defaultEnvironment()) {
  const context = readPipelineContext(app.node);
  const stack = new ContactImportStack(app, stackNameFor(context.stage, context.resourcePrefix), {
    env,
    description: `Contact import pipeline (${context.stage})`,
    stage: context.stage,
    resourcePrefix: context.resourcePrefix,
    production: context.production,
    alarmEmail: context.alarmEmail,
    notificationEmail: context.notificationEmail,
    sftpPartners: context.sftpPartners,
    sesConfigurationSet: context.sesConfigurationSet,
    logLevel: context.logLevel,
    contactsWarmThroughput: context.contactsWarmThroughput,
  });
  // The acknowledged findings are also written into the template metadata, as an audit trail.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return stack;
}
