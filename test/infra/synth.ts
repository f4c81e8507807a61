/**
 * Builds the pipeline stack the way `cdk synth` does (same entry function, same `cdk.json` context) and
 * offers readers for the synthesized template. Bundling the five functions takes seconds, so only the
 * test that inspects the bundles asks for it; the others synthesize with placeholder assets.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../infra/constructs/pipeline-function.js';
import { createPipelineStack } from '../../infra/pipeline-app.js';
import type { ContactImportStack } from '../../infra/stack.js';

/** The context of `cdk.json` (feature flags and defaults), as the CDK CLI passes it. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(`${PROJECT_ROOT}/cdk.json`, 'utf8'),
).context;

/** A fixed account and region, so names that contain the account id are plain strings. */
export const TEST_ENV = { account: '123456789012', region: 'ap-northeast-1' } as const;

export interface Synthesized {
  readonly app: App;
  readonly stack: ContactImportStack;
  readonly template: Template;
}

/**
 * Synthesizes the pipeline stack for a context (merged over `cdk.json`).
 *
 * @example
 * const { stack, template } = synthesize({ stage: 'test' }, { bundle: true });
 */
export function synthesize(
  context: Record<string, unknown>,
  options: { bundle?: boolean; env?: Environment } = {},
): Synthesized {
  const app = new App({
    context: { ...CDK_CONTEXT, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = createPipelineStack(app, options.env);
  return { app, stack, template: Template.fromStack(stack) };
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as `rule at construct path` lines. */
export function nagFindings(scope: IConstruct): string[] {
  return new AwsSolutionsChecks()
    .validateScope(scope)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

/**
 * Renders a template value as text: `{ Ref: X }` → `<X>`, `{ Fn::GetAtt: [X, Y] }` → `<X.Y>`,
 * `Fn::Join` joined — so policies and names with tokens can be compared as strings.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const record = value as Record<string, unknown>;
  if ('Ref' in record) return `<${record.Ref}>`;
  if ('Fn::GetAtt' in record) return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(value);
}

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  /** Each resource rendered as text (see `render`). */
  readonly resources: string[];
  readonly condition: unknown;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every statement of every IAM policy attached to a role (by the role's logical id). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    list(policy.Properties.Roles).some((role) => render(role) === `<${roleLogicalId}>`),
  );
  return policies.flatMap((policy) =>
    list(policy.Properties.PolicyDocument.Statement).map((raw) => {
      const statement = raw as Record<string, unknown>;
      return {
        effect: statement.Effect as string,
        actions: list(statement.Action) as string[],
        resources: list(statement.Resource).map(render),
        condition: statement.Condition,
      };
    }),
  );
}

/** The logical id a `Ref` or `Fn::GetAtt` points to. */
export function refId(value: unknown): string {
  return render(value).replace(/^<([^.>]+).*>$/, '$1');
}

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Condition?: { readonly Bool?: Record<string, string> };
}

/**
 * The logical ids of the resources whose resource policy denies every request made without TLS.
 *
 * @example
 * tlsOnlyResources(template, 'AWS::SQS::QueuePolicy', 'Queues');
 */
export function tlsOnlyResources(template: Template, policyType: string, targetsKey: string): Set<string> {
  return new Set(
    Object.values(template.findResources(policyType))
      .filter((policy) =>
        list(policy.Properties.PolicyDocument.Statement).some((raw) => {
          const statement = raw as PolicyStatementJson;
          return (
            statement.Effect === 'Deny' && statement.Condition?.Bool?.['aws:SecureTransport'] === 'false'
          );
        }),
      )
      .flatMap((policy) => list(policy.Properties[targetsKey]).map(refId)),
  );
}

/** Every cdk-nag acknowledgement written to the template's metadata (the audit trail). */
export function acknowledgements(template: Template): { id: string; reason: string }[] {
  const resources = Object.values(template.toJSON().Resources as Record<string, { Metadata?: unknown }>);
  return resources.flatMap(
    (resource) =>
      (
        resource.Metadata as
          | { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } }
          | undefined
      )?.cdk_nag?.rules_to_suppress ?? [],
  );
}

/** Whether an IAM action pattern (`dynamodb:*`, `*`, `s3:Get*`) covers an action. */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return regex.test(action);
}

/** Whether any Allow statement grants one of `actions` on a resource that mentions `resourceText`. */
export function allows(statements: Statement[], actions: readonly string[], resourceText: string): boolean {
  return statements.some(
    (s) =>
      s.effect === 'Allow' &&
      s.actions.some((pattern) => actions.some((action) => actionCovers(pattern, action))) &&
      s.resources.some((resource) => resource === '*' || resource.includes(resourceText)),
  );
}
