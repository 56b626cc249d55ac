import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ScimEndpoint } from '../../lib/scim-endpoint';
import { SCIM_BASE_URL_OUTPUT, TABLE_NAME_OUTPUT } from '../../lib/stack-outputs';

import { acmeExtensions } from '../support/acme-extensions';
import { cdkApp } from '../support/cdk-app';

type Json = { Resources: Record<string, { Type: string; Properties?: any }>; Outputs: Record<string, { Value: unknown }> };

/** A SaaS team's stack of its own, with the endpoint under an id of its choosing. */
function appStack(props: ConstructorParameters<typeof ScimEndpoint>[2] = {}, extra?: (stack: Stack) => void) {
  const stack = new Stack(cdkApp(), 'SaasApp', { env: { account: '111111111111', region: 'eu-west-1' } });
  extra?.(stack);
  const endpoint = new ScimEndpoint(stack, 'Scim', props);
  return { stack, endpoint, json: Template.fromStack(stack).toJSON() as Json };
}

const ofType = (json: Json, type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);

test("in another app's stack: its resources beside the app's, and the outputs the admin CLI reads under their usual keys", () => {
  const { json, stack, endpoint } = appStack({}, (own) => new Topic(own, 'AppOwnTopic'));
  expect(ofType(json, 'AWS::DynamoDB::Table')).toHaveLength(1);
  expect(ofType(json, 'AWS::SNS::Topic')).toHaveLength(2);
  expect(Object.keys(json.Outputs)).toEqual(expect.arrayContaining([TABLE_NAME_OUTPUT, SCIM_BASE_URL_OUTPUT]));
  expect(json.Outputs[SCIM_BASE_URL_OUTPUT].Value).toEqual(stack.resolve(endpoint.baseUrl));
  expect(endpoint.api.restApiName).toBe('SaasApp');
});

test('a second endpoint in the same stack is refused with what to do', () => {
  const stack = new Stack(cdkApp(), 'Twice');
  new ScimEndpoint(stack, 'One');
  expect(() => new ScimEndpoint(stack, 'Two')).toThrow(/one ScimEndpoint; Twice already has Twice\/One\. Put the second in a stack of its own/);
});

test('alarmTopic: every alarm notifies the given topic, and no topic or key of its own is made', () => {
  const { json: withoutTopic } = appStack();
  expect(ofType(withoutTopic, 'AWS::KMS::Key')).toHaveLength(1);
  expect(ofType(withoutTopic, 'AWS::SNS::Topic')).toHaveLength(1);

  const given = new Stack(cdkApp(), 'WithTopic');
  const topic = new Topic(given, 'OnCall');
  new ScimEndpoint(given, 'Scim', { alarmTopic: topic });
  const withTopic = Template.fromStack(given).toJSON() as Json;
  expect(ofType(withTopic, 'AWS::SNS::Topic').map(([id]) => id)).toEqual([given.getLogicalId(topic.node.defaultChild as never)]);
  expect(ofType(withTopic, 'AWS::KMS::Key')).toEqual([]);
  const alarms = ofType(withTopic, 'AWS::CloudWatch::Alarm');
  expect(alarms.length).toBeGreaterThan(20);
  for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([given.resolve(topic.topicArn)]);
});

test('customDomain: a regional TLS 1.2 domain on the stage, the alias record in the zone, and the base URL IdPs are given on it', () => {
  const { json, endpoint } = appStack({}, () => undefined);
  expect(endpoint.customDomain).toBeUndefined();
  expect(ofType(json, 'AWS::ApiGateway::DomainName')).toEqual([]);

  const stack = new Stack(cdkApp(), 'Domain', { env: { account: '111111111111', region: 'eu-west-1' } });
  const zone = HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'example.com' });
  const certificate = Certificate.fromCertificateArn(stack, 'Certificate', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc');
  const scim = new ScimEndpoint(stack, 'Scim', { customDomain: { domainName: 'scim.example.com', certificate, hostedZone: zone } });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::ApiGateway::DomainName', {
    DomainName: 'scim.example.com',
    RegionalCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/abc',
    EndpointConfiguration: { Types: ['REGIONAL'] },
    SecurityPolicy: 'TLS_1_2',
  });
  template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { RestApiId: stack.resolve(scim.api.restApiId), Stage: stack.resolve(scim.api.deploymentStage.stageName) });
  template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'scim.example.com.', Type: 'A', HostedZoneId: 'Z0123456789', AliasTarget: Match.objectLike({}) });
  expect(scim.baseUrl).toBe('https://scim.example.com/scim/v2');
  expect((template.toJSON() as Json).Outputs[SCIM_BASE_URL_OUTPUT].Value).toBe('https://scim.example.com/scim/v2');
});

test('extensionsFile: read and validated at synth, handed to the functions; a broken one or both ways at once stop synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scim-extensions-'));
  const file = join(dir, 'extensions.json');
  writeFileSync(file, JSON.stringify(acmeExtensions));
  const { json, stack, endpoint } = appStack({ extensionsFile: file });
  const users = json.Resources[stack.getLogicalId(endpoint.functions.users.node.defaultChild as never)];
  expect(JSON.parse(users.Properties.Environment.Variables.SCIM_EXTENSIONS)).toEqual(acmeExtensions);

  writeFileSync(file, JSON.stringify({ extensions: [{ id: 'not a urn', resourceType: 'User', attributes: [] }] }));
  expect(() => appStack({ extensionsFile: file })).toThrow(/Invalid schema extension declaration in .*extensions\.json/);
  expect(() => appStack({ extensionsFile: file, schemaExtensions: acmeExtensions })).toThrow('Give extensionsFile or schemaExtensions, not both.');
  expect(() => appStack({ extensionsFile: join(dir, 'missing.json') })).toThrow(/does not exist/);
});

test("grantAdmin lets the app's role invoke the admin API's routes, and nothing of the SCIM API", () => {
  const stack = new Stack(cdkApp(), 'Grants');
  const scim = new ScimEndpoint(stack, 'Scim');
  const role = new Role(stack, 'Backend', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  scim.grantAdmin(role);
  const json = Template.fromStack(stack).toJSON() as Json;
  const roleRef = stack.resolve(role.roleName);
  const statements = ofType(json, 'AWS::IAM::Policy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([roleRef]))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
  expect(statements.flatMap((statement) => [statement.Action].flat())).toEqual(['execute-api:Invoke']);
  const resources = JSON.stringify(statements.map((statement) => statement.Resource));
  expect(resources).toContain(stack.getLogicalId(scim.adminApi.api.node.defaultChild as never));
  expect(resources).not.toContain(stack.getLogicalId(scim.api.node.defaultChild as never));
});
