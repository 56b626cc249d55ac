import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

// aws-cdk-lib's CloudFormation schema validation costs ~9 s per synth and checks nothing the tests assert.
process.env.CDK_VALIDATION = 'false';

/** The feature flags `cdk synth` runs with (cdk.json), so templates match what deploys. */
const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8')).context;

/**
 * An App as bin/app.ts makes it. Bundling runs esbuild once per function (about a second each);
 * only the stack test, which stands for `cdk synth`, bundles for real. The others get
 * placeholder assets: nothing they assert reads a bundle.
 */
export function cdkApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({ context: { ...cdkContext, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context } });
}
