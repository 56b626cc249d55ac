import { Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ScimEndpoint } from 'serverless-scim';
import { EVENT_SOURCE } from 'serverless-scim/events';

/** The SaaS team's own stack: its bus, its on-call topic, its backend, and SCIM beside them. */
export class AppStack extends Stack {
  readonly scim: ScimEndpoint;
  readonly backend: NodejsFunction;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.bus = new EventBus(this, 'AppEvents');
    const onCall = new Topic(this, 'OnCall');

    this.scim = new ScimEndpoint(this, 'Scim', { eventBus: this.bus, alarmTopic: onCall });

    this.backend = new NodejsFunction(this, 'Backend', {
      entry: `${__dirname}/backend.ts`,
      runtime: Runtime.NODEJS_22_X,
      environment: { SCIM_TABLE: this.scim.table.tableName },
    });
    this.scim.grantDirectoryRead(this.backend);

    new Rule(this, 'OnUserDeactivated', {
      eventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: ['user.deactivated'] },
      targets: [new LambdaFunction(this.backend)],
    });
  }
}
