/**
 * CDK entry point (`cdk.json`): `npx cdk synth|deploy -c stage=prod …`. The context keys are listed in
 * `infra/context.ts`.
 */
import { App } from 'aws-cdk-lib';
import { createPipelineStack } from './pipeline-app.js';

const app = new App();
createPipelineStack(app);
app.synth();
