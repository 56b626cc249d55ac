import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { loadConfig } from '../../lambdas/wiring/config';
import { scimFunctions, type FunctionName } from '../../lambdas/contracts/routes';
import { parseExtensions, schemaRegistry, type ExtensionsDeclarationInput } from '../../lambdas/scim/extensions';
import { EXTENSIONS_FILE, MAX_EXTENSIONS_BYTES, extensionsEnvironment, readExtensionsFile } from '../../lib/scim-extensions';
import { ScimStack } from '../../lib/scim-stack';
import { ACME_GROUP, ACME_USER, acmeExtensions } from '../support/acme-extensions';
import { cdkApp } from '../support/cdk-app';


const ROOT = resolve(__dirname, '../..');
const functionNames = Object.keys(scimFunctions) as FunctionName[];

/** Synthesised without bundling the handlers: only the template is looked at. */
function stackWith(schemaExtensions?: ExtensionsDeclarationInput) {
  return new ScimStack(cdkApp(), 'ScimExtensionsTest', { schemaExtensions });
}

function variablesOf(stack: ScimStack, fn: CfnFunction): Record<string, unknown> {
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
  return resources[stack.getLogicalId(fn)].Properties.Environment.Variables;
}

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'scim-extensions-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function fileWith(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

describe('the stack with declared schema extensions', () => {
  it('hands the declaration to every SCIM function, where the Lambda config parses it into the extended models', () => {
    const stack = stackWith(acmeExtensions);
    for (const name of functionNames) {
      const variables = variablesOf(stack, stack.endpoint.functions[name].node.defaultChild as CfnFunction);
      expect(JSON.parse(variables.SCIM_EXTENSIONS as string)).toEqual(acmeExtensions);
      const config = loadConfig({ TABLE_NAME: 'scim', SCIM_EXTENSIONS: variables.SCIM_EXTENSIONS as string });
      const registry = schemaRegistry(config.SCIM_EXTENSIONS);
      expect(registry.models.User.extensions.map((schema) => schema.id)).toContain(ACME_USER);
      expect(registry.models.Group.extensions.map((schema) => schema.id)).toContain(ACME_GROUP);
    }
    expect(variablesOf(stack, stack.endpoint.cleanupFunction.node.defaultChild as CfnFunction)).not.toHaveProperty('SCIM_EXTENSIONS');
  });

  it('sets nothing without a declaration, or with an empty one', () => {
    for (const stack of [stackWith(), stackWith({ extensions: [] })]) {
      for (const name of functionNames) {
        expect(variablesOf(stack, stack.endpoint.functions[name].node.defaultChild as CfnFunction)).not.toHaveProperty('SCIM_EXTENSIONS');
      }
    }
  });

  it('fails synth on a broken declaration, saying what and where', () => {
    const broken = { extensions: [{ ...acmeExtensions.extensions[0], attributes: [{ name: 'seatLevel', type: 'int' }] }] };
    expect(() => stackWith(broken as unknown as ExtensionsDeclarationInput)).toThrow(
      `Invalid schema extension declaration: extensions[0](${ACME_USER}).attributes[0](seatLevel).type: Invalid option`,
    );
  });

  it("fails synth on a declaration that does not fit Lambda's environment", () => {
    const attributes = Array.from({ length: 40 }, (_, index) => ({ name: `attribute${index}`, description: 'A description long enough to add up over forty attributes.' }));
    const large = { extensions: [{ id: ACME_USER, name: 'Large', resourceType: 'User' as const, attributes }] };
    expect(() => stackWith(large)).toThrow(new RegExp(`^The schema extension declaration is \\d+ bytes as compact JSON; at most ${MAX_EXTENSIONS_BYTES} fit`));
  });

  it('passes the declaration as written, compactly, so defaults take no room', () => {
    const { SCIM_EXTENSIONS } = extensionsEnvironment(acmeExtensions);
    expect(SCIM_EXTENSIONS).toBe(JSON.stringify(acmeExtensions));
    expect(SCIM_EXTENSIONS).not.toContain('"uniqueness"');
  });
});

describe('the declaration file', () => {
  it('is optional: no scim-extensions.json in the root means no extensions', () => {
    expect(readExtensionsFile(directory)).toBeUndefined();
  });

  it('is read from the root, or from an explicit path', () => {
    const file = fileWith(EXTENSIONS_FILE, JSON.stringify(acmeExtensions, null, 2));
    expect(readExtensionsFile(directory)).toEqual(acmeExtensions);
    expect(readExtensionsFile(ROOT, file)).toEqual(acmeExtensions);
    rmSync(file);
  });

  it.each([
    ['a missing explicit file', () => readExtensionsFile(directory, join(directory, 'absent.json')), /^Schema extension file .*absent\.json does not exist\.$/],
    ['text that is not JSON', () => readExtensionsFile(directory, fileWith('broken.json', '{"extensions": [')), /^Invalid schema extension declaration in .*broken\.json: not valid JSON/],
    [
      'a declaration with problems',
      () => readExtensionsFile(directory, fileWith('bad.json', JSON.stringify({ extensions: [{ id: 'acme', name: 'A', resourceType: 'User', attributes: [{ name: 'a' }] }] }))),
      /^Invalid schema extension declaration in .*bad\.json: extensions\[0\]\(acme\)\.id: id is the schema URN/,
    ],
  ])('refuses %s, naming the file', (_case, read, message) => {
    expect(read).toThrow(message);
  });

  it('makes `cdk synth` (bin/app.ts) stop with the problem, from the context or the environment', async () => {
    const bad = fileWith('synth.json', JSON.stringify({ extensions: [{ id: ACME_USER, name: 'A', resourceType: 'Device', attributes: [{ name: 'a' }] }] }));
    const run = (env: Record<string, string>) =>
      promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'bin/app.ts'], { cwd: ROOT, env: { ...process.env, ...env } }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
    const [fromContext, fromEnvironment] = await Promise.all([
      run({ CDK_CONTEXT_JSON: JSON.stringify({ 'scim:extensionsFile': bad }) }),
      run({ SCIM_EXTENSIONS_FILE: join(directory, 'absent.json') }),
    ]);
    expect(fromContext).toEqual({ code: 1, stderr: `Invalid schema extension declaration in ${bad}: extensions[0](${ACME_USER}).resourceType: Invalid option: expected one of "User"|"Group"\n` });
    expect(fromEnvironment.code).toBe(1);
    expect(fromEnvironment.stderr).toContain('absent.json does not exist.');
  });

  it("holds, in the README, an example that parses", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Your own attributes: schema extensions'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1];
    const parsed = parseExtensions(JSON.parse(example));
    expect(parsed.extensions.map((extension) => extension.id)).toEqual(['urn:example:params:scim:schemas:extension:acme:2.0:User']);
  });
});
