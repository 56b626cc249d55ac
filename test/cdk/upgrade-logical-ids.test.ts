import { Template } from 'aws-cdk-lib/assertions';
import { ScimStack } from '../../lib/scim-stack';
import { SCIM_BASE_URL_OUTPUT, TABLE_NAME_OUTPUT, EVENT_BUS_NAME_OUTPUT } from '../../lib/stack-outputs';
import { cdkApp } from '../support/cdk-app';
import released from './released-stateful-resources.json';

type Json = { Resources: Record<string, { Type: string }>; Outputs: Record<string, { Value: unknown }> };

// The standalone app as bin/app.ts makes it with no context given.
const json = Template.fromStack(new ScimStack(cdkApp(), 'ServerlessScim')).toJSON() as Json;

describe.each(released.releases)('upgrading the standalone app from $release ($commit)', ({ resources }) => {
  test.each(Object.entries(resources as Record<string, string[]>))('keeps every %s under its logical id', (type, logicalIds) => {
    const now = logicalIds.map((logicalId) => ({ logicalId, type: json.Resources[logicalId]?.Type }));
    expect(now).toEqual(logicalIds.map((logicalId) => ({ logicalId, type })));
  });
});

test('keeps the outputs the admin CLI and operators read, and the prefix of the tenants’ secrets', () => {
  expect(Object.keys(json.Outputs)).toEqual(expect.arrayContaining([TABLE_NAME_OUTPUT, SCIM_BASE_URL_OUTPUT, EVENT_BUS_NAME_OUTPUT, 'TenantSecretPrefix']));
  // Secrets made at run time (one per tenant) are found by this prefix; a new one would strand them.
  expect(json.Outputs.TenantSecretPrefix.Value).toEqual({ 'Fn::Join': ['', ['scim/', { Ref: 'AWS::StackName' }]] });
});

