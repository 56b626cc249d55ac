import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readExtensionsFile } from '../lib/scim-extensions';
import { ScimStack } from '../lib/scim-stack';

const app = new App();

/** `-c scim:extensionsFile=…` or SCIM_EXTENSIONS_FILE, else scim-extensions.json in the project, if any. */
function schemaExtensions() {
  const file: unknown = app.node.tryGetContext('scim:extensionsFile') ?? process.env.SCIM_EXTENSIONS_FILE;
  try {
    return readExtensionsFile(resolve(__dirname, '..'), file ? String(file) : undefined);
  } catch (error) {
    // A broken declaration stops synth with what to fix, not a stack trace.
    console.error((error as Error).message);
    process.exit(1);
  }
}

/** `-c scim:<name>=<number>`, if given. */
function numberContext(name: string): number | undefined {
  const value: unknown = app.node.tryGetContext(`scim:${name}`);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) {
    console.error(`scim:${name} must be a number; got ${JSON.stringify(value)}`);
    process.exit(1);
  }
  return number;
}

/** `-c scim:<name>=<text>`, if given and not empty. */
function stringContext(name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(`scim:${name}`);
  return value === undefined || String(value) === '' ? undefined : String(value);
}

// No env: the template stays account- and region-agnostic, so synth needs no credentials.
new ScimStack(app, 'ServerlessScim', {
  manageApiGatewayAccountLoggingRole: String(app.node.tryGetContext('scim:manageApiGatewayAccountLoggingRole')) !== 'false',
  schemaExtensions: schemaExtensions(),
  webAcl: String(app.node.tryGetContext('scim:webAcl')) !== 'false',
  wafRateLimit: numberContext('wafRateLimit'),
  functionConcurrency: numberContext('functionConcurrency'),
  alarmEmail: stringContext('alarmEmail'),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
