import { resolve } from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions } from '../../lib/function-build-options';
import { scimFunctions } from '../../lambdas/contracts/routes';

/**
 * Each function bundles only what it uses (every byte is parsed at cold start): bundled as the
 * stack bundles them, the SCIM functions hold no token store, since API Gateway's authorizer checks
 * every token before they run, and discovery, which reads no table, holds no DynamoDB client.
 */
const ROOT = resolve(__dirname, '../..');

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({ ...functionBuildOptions(resolve(ROOT, 'cdk.out/bundle-inputs/index.js')), entryPoints: [resolve(ROOT, entry)], metafile: true, write: false, sourcemap: false });
  return Object.keys(result.metafile.inputs);
}

const TOKEN_STORE = [/^lambdas\/secrets\//, /client-secrets-manager/, /^lambdas\/wiring\/token-verification\.ts$/];

describe.each(Object.entries(scimFunctions))('the %s function bundle', (name, { entry }) => {
  let inputs: string[];
  beforeAll(async () => {
    inputs = await inputsOf(entry);
  });

  it('holds its handler and the SCIM core', () => {
    expect(inputs).toContain(entry);
    expect(inputs).toContain('lambdas/scim/errors.ts');
  });

  it('holds no token store or token check: the authorizer has checked the token', () => {
    expect(inputs.filter((input) => TOKEN_STORE.some((pattern) => pattern.test(input)))).toEqual([]);
  });

  if (name === 'discovery') {
    it('holds no DynamoDB client: discovery reads no table', () => {
      expect(inputs.filter((input) => input.includes('@aws-sdk/client-dynamodb') || input.startsWith('lambdas/store/'))).toEqual([]);
    });
  }
});
