/**
 * Synthesizes the app as `cdk synth` would, offline, and checks what the SaaS team relies on:
 * SCIM's resources are in its stack, its backend may read the directory and nothing more, and
 * its rule receives user.deactivated from its own bus. Exits non-zero on the first failed check.
 */
import assert from 'node:assert/strict';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AppStack } from './app-stack';

const stack = new AppStack(new App(), 'SaasApp');
const template = Template.fromStack(stack);

template.resourceCountIs('AWS::DynamoDB::Table', 1);
template.resourceCountIs('AWS::ApiGateway::RestApi', 2);
template.resourceCountIs('AWS::Events::EventBus', 1);
template.resourceCountIs('AWS::SNS::Topic', 1);

// The backend's policy: read actions on the SCIM table (and its indexes), no write.
const backendPolicies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [stack.resolve(stack.backend.role!.roleName)] } }));
const statements = backendPolicies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
const tableArn = stack.resolve(stack.scim.table.tableArn);
const onTable = statements.filter((statement) => JSON.stringify(statement.Resource).includes(JSON.stringify(tableArn)));
assert.deepEqual(onTable.map((statement) => statement.Action).flat().sort(), ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
assert.ok(!JSON.stringify(statements).match(/dynamodb:(Put|Update|Delete|BatchWrite)/), 'the backend may not write the directory');

// user.deactivated on the app's bus reaches the backend.
template.hasResourceProperties('AWS::Events::Rule', {
  EventBusName: stack.resolve(stack.bus.eventBusName),
  EventPattern: { source: ['serverless-scim'], 'detail-type': ['user.deactivated'] },
  Targets: [Match.objectLike({ Arn: stack.resolve(stack.backend.functionArn) })],
});

// SCIM's events go to the app's bus, and its alarms to the app's topic.
const publishing = Object.values(template.findResources('AWS::IAM::Policy'))
  .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
  .filter((statement) => [statement.Action].flat().includes('events:PutEvents'));
const appBus = JSON.stringify(stack.resolve(stack.bus.eventBusArn));
assert.ok(publishing.some((statement) => JSON.stringify(statement.Resource) === appBus), 'SCIM publishes its events on the app bus');
// Besides the app's bus, only the default bus (where the table migrations continue themselves).
for (const statement of publishing.filter((candidate) => JSON.stringify(candidate.Resource) !== appBus)) {
  assert.match(JSON.stringify(statement.Resource), /:event-bus\/default"/);
}
template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^OnCall') }] });

// SCIM's functions run the package's pre-bundled code: the package holds no sources to bundle, so
// reaching this line means none was needed.
template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });

console.log(`SaasApp: ${Object.keys(template.toJSON().Resources).length} resources; grants, rule, bus and alarm topic as expected`);
