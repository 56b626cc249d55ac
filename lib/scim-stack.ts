import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { SCIM_BASE_PATH, type FunctionName } from '../lambdas/routes';
import type { ExtensionsDeclarationInput } from '../lambdas/scim/extensions';
import { DefaultTenantToken } from './default-tenant-token';
import { ScimApi } from './scim-api';
import { ScimFunctions, type TableAccess } from './scim-functions';
import { ScimTable } from './scim-table';

export interface ScimStackProps extends StackProps {
  /** @default 'prod' */
  readonly stageName?: string;
  /** @default 100 requests per second */
  readonly throttlingRateLimit?: number;
  /** @default 200 requests */
  readonly throttlingBurstLimit?: number;
  /** Lambda, access and execution logs. @default three months */
  readonly logRetention?: RetentionDays;
  /** @default true */
  readonly manageApiGatewayAccountLoggingRole?: boolean;
  /** Schema extensions the deployment declares (see readExtensionsFile). @default none */
  readonly schemaExtensions?: ExtensionsDeclarationInput;
}

/** Least privilege per function: discovery serves static documents and never touches the table. */
const tableAccess: Readonly<Record<FunctionName, TableAccess>> = {
  users: 'readWrite',
  groups: 'readWrite',
  bulk: 'readWrite',
  discovery: 'none',
};

export class ScimStack extends Stack {
  readonly table: Table;
  readonly tokenSecret: Secret;
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The table stream's consumer that keeps memberships consistent after deletes. */
  readonly cleanupFunction: NodejsFunction;
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: ScimStackProps = {}) {
    super(scope, id, props);

    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const table = (this.table = new ScimTable(this, 'Store').table);
    const secret = (this.tokenSecret = new DefaultTenantToken(this, 'DefaultTenantToken').secret);

    const { functions, cleanup } = new ScimFunctions(this, 'Functions', {
      table,
      tokenSecret: secret,
      tableAccess,
      logRetention,
      schemaExtensions: props.schemaExtensions,
    });

    const api = new ScimApi(this, 'Http', {
      functions,
      stageName: props.stageName ?? 'prod',
      throttlingRateLimit: props.throttlingRateLimit ?? 100,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      logRetention,
      manageAccountLoggingRole: props.manageApiGatewayAccountLoggingRole ?? true,
    });
    this.functions = functions;
    this.cleanupFunction = cleanup;
    this.api = api.api;

    new CfnOutput(this, 'ScimBaseUrl', {
      description: `SCIM base URL (${SCIM_BASE_PATH}) to configure in the IdP`,
      value: api.baseUrl,
    });
    new CfnOutput(this, 'TokenSecretArn', {
      description: 'Secrets Manager secret holding the default tenant token (the value is never output)',
      value: secret.secretArn,
    });
    new CfnOutput(this, 'TokenReadCommand', {
      description: 'Reads the token; run it with credentials allowed secretsmanager:GetSecretValue',
      value: `aws secretsmanager get-secret-value --region ${Aws.REGION} --secret-id ${secret.secretArn} --query SecretString --output text`,
    });
  }
}
