import { type App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ScimStack } from '../../lib/scim-stack';
import { cdkApp } from '../support/cdk-app';

/**
 * Every acknowledged finding, so that a new suppression is a reviewed change to this list.
 * Reasons live next to the acknowledgement in lib/.
 */
const EXPECTED_ACKNOWLEDGEMENTS = [
  'AwsSolutions-APIG2',
  // The admin API only (lib/admin-api.ts): every method requires AWS IAM, so no web ACL in front of it.
  'AwsSolutions-APIG3',
  'AwsSolutions-COG4',
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
  'AwsSolutions-IAM5[Resource::*]',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:scim/<AWS::StackName>/tenants/*]',
  'AwsSolutions-SMG4',
  'AwsSolutions-SQS3',
];

let app: App;
let stack: ScimStack;

function acknowledgements(root: IConstruct): Array<{ id: string; reason: string }> {
  return root.node
    .findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
    .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason }));
}

beforeAll(() => {
  app = cdkApp();
  stack = new ScimStack(app, 'ScimNag');
  // As bin/app.ts registers it: synth fails on any unacknowledged finding.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
});

test('synthesizes with AwsSolutionsChecks registered', () => {
  expect(() => app.synth()).not.toThrow();
});

test('no unacknowledged AwsSolutions finding, error or warning', () => {
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(app);
  const findings = report.violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    at: violation.violatingResources.map((resource) => resource.constructPath),
  }));
  expect(findings).toEqual([]);
});

test('acknowledgements are exactly the reviewed list, each with a reason', () => {
  const found = acknowledgements(stack);
  expect([...new Set(found.map((ack) => ack.id))].sort()).toEqual([...EXPECTED_ACKNOWLEDGEMENTS].sort());
  for (const ack of found) expect(ack.reason.length).toBeGreaterThan(20);
});

test('with scheduled token rotation, the secret needs no SMG4 acknowledgement and nothing is found', () => {
  const scheduled = cdkApp();
  const scheduledStack = new ScimStack(scheduled, 'ScimNagScheduled', { automaticTokenRotation: Duration.days(90) });
  scheduled.synth();
  const report = new AwsSolutionsChecks().validateScope(scheduled);
  expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  expect(acknowledgements(scheduledStack).map((ack) => ack.id)).not.toContain('AwsSolutions-SMG4');
});

test('with the web ACL turned off (managed centrally), only its absence is acknowledged and nothing is found', () => {
  const central = cdkApp();
  const centralStack = new ScimStack(central, 'ScimNagCentralWaf', { webAcl: false, functionConcurrency: 0 });
  central.synth();
  const report = new AwsSolutionsChecks().validateScope(central);
  expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  const ids = new Set(acknowledgements(centralStack).map((ack) => ack.id));
  expect([...ids].filter((id) => !EXPECTED_ACKNOWLEDGEMENTS.includes(id))).toEqual([]);
  expect(acknowledgements(centralStack.endpoint.api).map((ack) => ack.id)).toContain('AwsSolutions-APIG3');
});

test('the SCIM API acknowledges no missing web ACL while it has one; the IAM-only admin API does', () => {
  expect(acknowledgements(stack.endpoint.api).map((ack) => ack.id)).not.toContain('AwsSolutions-APIG3');
  expect(acknowledgements(stack.endpoint.adminApi.api).map((ack) => ack.id)).toContain('AwsSolutions-APIG3');
});
