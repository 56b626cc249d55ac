import { Aws, CfnOutput, Stack, type Duration, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { SCIM_BASE_PATH, type FunctionName } from '../lambdas/contracts/routes';
import type { ExtensionsDeclarationInput } from '../lambdas/scim/extensions';
import { TABLE_NAME_OUTPUT } from './stack-outputs';
import { ScimApi } from './scim-api';
import { ScimFunctions, type TableAccess } from './scim-functions';
import { ScimTable } from './scim-table';
import { TenantTokens } from './tenant-tokens';

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
  /** How long a token is valid. @default 365 days */
  readonly tokenValidity?: Duration;
  /** How long a replaced token keeps working after a rotation. @default 7 days */
  readonly tokenOverlap?: Duration;
  /** Rotate every tenant's token on this schedule as well as on demand. @default on demand only */
  readonly automaticTokenRotation?: Duration;
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
  readonly tenantTokens: TenantTokens;
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  /** The table stream's consumer that keeps memberships consistent after deletes. */
  readonly cleanupFunction: NodejsFunction;
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: ScimStackProps = {}) {
    super(scope, id, props);

    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const table = (this.table = new ScimTable(this, 'Store').table);
    const tenantTokens = (this.tenantTokens = new TenantTokens(this, 'TenantTokens', {
      logRetention,
      tokenValidity: props.tokenValidity,
      tokenOverlap: props.tokenOverlap,
      automaticRotation: props.automaticTokenRotation,
    }));

    const { functions, cleanup } = new ScimFunctions(this, 'Functions', {
      table,
      tenantTokens,
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
    new CfnOutput(this, 'TenantSecretPrefix', {
      description: "Tenants' token secrets are <prefix>/tenants/<tenant>/token (values are never output)",
      value: tenantTokens.prefix,
    });
    new CfnOutput(this, 'FirstTokenCommand', {
      description: "Issues the default tenant's first token and prints it once; run it with credentials allowed to rotate the tenants' secrets",
      value: `npm run admin -- --stack ${Aws.STACK_NAME} --region ${Aws.REGION} tokens rotate default`,
    });
    new CfnOutput(this, TABLE_NAME_OUTPUT, {
      description: 'The directory table: the admin CLI finds it here; your application reads it with its own role',
      value: table.tableName,
    });
    new CfnOutput(this, 'TokenExpiryAlarmName', {
      description: "Fires 30 days before an enabled tenant's token expires; add an action to be told",
      value: tenantTokens.expiryAlarm.alarmName,
    });
  }

  /**
   * Lets the application's own role read the directory (lambdas/read/directory-reader.ts):
   * GetItem, Query and BatchGetItem on the table, and nothing that writes — the IdP owns it.
   */
  grantDirectoryRead(grantee: IGrantable): Grant {
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem');
  }
}
