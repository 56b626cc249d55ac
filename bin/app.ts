import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ScimStack } from '../lib/scim-stack';

const app = new App();

// No env: the template stays account- and region-agnostic, so synth needs no credentials.
new ScimStack(app, 'ServerlessScim', {
  manageApiGatewayAccountLoggingRole: String(app.node.tryGetContext('scim:manageApiGatewayAccountLoggingRole')) !== 'false',
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
