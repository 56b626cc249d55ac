import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ScimEndpoint, type ScimEndpointProps } from './scim-endpoint';

export interface ScimStackProps extends StackProps, ScimEndpointProps {}

/**
 * The standalone deployment (`cdk deploy` of this repository): a stack holding one ScimEndpoint
 * and nothing else.
 */
export class ScimStack extends Stack {
  readonly endpoint: ScimEndpoint;

  constructor(scope: Construct, id: string, props: ScimStackProps = {}) {
    super(scope, id, props);
    // `Default` leaves the construct out of every logical id (CDK's rule for that id), so the
    // resources keep the ids releases before the construct gave them, and an upgrade replaces none.
    this.endpoint = new ScimEndpoint(this, 'Default', props);
  }
}
