import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScimStack } from '../../lib/scim-stack';
import { SCIM_TABLE_LOGICAL_ID } from '../../lib/scim-table';
import { cdkApp } from '../support/cdk-app';

describe('grantDirectoryRead', () => {
  it("gives the application's role GetItem, Query and BatchGetItem on the table, and no write", () => {
    const app = cdkApp();
    const stack = new ScimStack(app, 'DirectoryReadTest');
    const appRole = new Role(stack, 'AppRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    stack.endpoint.grantDirectoryRead(appRole);

    const roleId = stack.getLogicalId(appRole.node.defaultChild as any);
    const policies = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>).filter(
      (resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((role: any) => role.Ref === roleId),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());

    expect(actions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions.filter((action) => /Put|Update|Delete|Write|\*/.test(action))).toEqual([]);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(JSON.stringify(statement.Resource)).toContain(SCIM_TABLE_LOGICAL_ID);
    }
  });
});
