// The architecture, as rules the build enforces (`npm run lint`, part of `npm test`).
// eslint-plugin-boundaries rather than import/no-restricted-paths: it classifies every file into a
// named element and states what each element MAY import (default: disallow), so a new folder or a
// new import is refused until the rule says where it belongs, instead of passing because no zone
// happened to forbid it.
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/** Folders and files of the code, innermost first (the first matching pattern classifies a file). */
const elements = [
  // The SCIM protocol core: RFC 7643/7644 schemas, filter, PATCH, lists, errors.
  { type: 'core', pattern: 'lambdas/scim/**', partialMatch: false },
  // What the CDK stack, the local server and the runtime agree on: routes, table design, names.
  { type: 'contracts', pattern: 'lambdas/contracts/**', partialMatch: false },
  // Process-wide facilities with no domain: the logger, bounded concurrency.
  { type: 'runtime', pattern: 'lambdas/runtime/**', partialMatch: false },
  // Domains, each over its own ports.
  { type: 'directory-port', pattern: 'lambdas/directory/ports/**', partialMatch: false },
  { type: 'directory', pattern: 'lambdas/directory/**', partialMatch: false },
  { type: 'tenancy-port', pattern: 'lambdas/tenancy/ports/**', partialMatch: false },
  { type: 'tenancy', pattern: 'lambdas/tenancy/**', partialMatch: false },
  // Adapters at the edge.
  { type: 'store-adapter', pattern: 'lambdas/store/**', partialMatch: false },
  { type: 'secrets-adapter', pattern: 'lambdas/secrets/**', partialMatch: false },
  { type: 'http-adapter', pattern: 'lambdas/http/**', partialMatch: false },
  // Where provisioning events go: EventBridge, or a file locally.
  { type: 'events-adapter', pattern: 'lambdas/event-sinks/**', partialMatch: false },
  // The admin library: what the CLI, the local server (and later the admin API) may call.
  { type: 'admin', pattern: 'lambdas/admin/**', partialMatch: false },
  // The read library the SaaS application's backend imports: the table read through the contracts alone.
  { type: 'read-library', pattern: 'lambdas/read/**', partialMatch: false },
  // Wiring: configuration and dependency construction, then one handler per function (every other folder).
  { type: 'wiring', pattern: 'lambdas/wiring/**', partialMatch: false },
  // The admin API's function: the admin library behind API Gateway.
  { type: 'admin-handler', pattern: 'lambdas/admin-api/**', partialMatch: false },
  { type: 'handler', pattern: 'lambdas/*/**', partialMatch: false },
  // The CDK app, the local server, the admin CLI.
  { type: 'infrastructure', pattern: ['lib/**', 'bin/**'], partialMatch: false },
];

/**
 * zod's full build evaluates every locale at cold start (tens of milliseconds, 450 KB of each bundle);
 * zod/mini validates the same in a few. `bin/startup-bench.ts` measures it.
 */
const fullZod = { name: 'zod', message: "Import zod/mini (and validate from lambdas/scim/validation.ts): the full build slows every function's cold start." };

const allow = (from, to) => ({ from: { element: { types: { anyOf: [from] } } }, allow: { to: { element: { types: { anyOf: to } } } } });
const core = ['core'];
const policies = [
  allow('core', core),
  allow('contracts', ['contracts']),
  { from: { element: { types: { anyOf: ['contracts'] } } }, allow: { to: { element: { types: { anyOf: ['core'] } }, file: { categories: { anyOf: ['published'] } } } } },
  allow('runtime', ['runtime']),
  allow('directory-port', [...core, 'contracts', 'directory-port']),
  allow('directory', [...core, 'contracts', 'runtime', 'directory', 'directory-port']),
  allow('tenancy-port', ['contracts', 'tenancy-port']),
  allow('tenancy', [...core, 'contracts', 'runtime', 'tenancy', 'tenancy-port']),
  allow('store-adapter', [...core, 'contracts', 'runtime', 'directory-port', 'tenancy-port', 'store-adapter']),
  allow('secrets-adapter', ['contracts', 'runtime', 'tenancy-port', 'secrets-adapter']),
  allow('events-adapter', ['contracts', 'runtime', 'directory-port', 'events-adapter']),
  allow('http-adapter', [...core, 'contracts', 'runtime', 'directory', 'directory-port', 'tenancy', 'http-adapter']),
  allow('admin', [...core, 'contracts', 'runtime', 'directory', 'directory-port', 'tenancy', 'tenancy-port', 'store-adapter', 'secrets-adapter', 'wiring', 'admin']),
  // Published to the application on its own: it may know the key design and nothing else of ours.
  allow('read-library', ['contracts', 'read-library']),
  allow('wiring', [...core, 'contracts', 'runtime', 'directory', 'directory-port', 'tenancy', 'tenancy-port', 'store-adapter', 'secrets-adapter', 'events-adapter', 'wiring']),
  // A handler is a route table plus wiring: it picks the routes' implementations and builds nothing itself.
  allow('handler', [...core, 'contracts', 'runtime', 'directory', 'tenancy', 'tenancy-port', 'http-adapter', 'wiring']),
  // Its own element so that only this handler reaches the admin library (secrets create/delete,
  // tenant deletion); the SCIM handlers never do. It builds the library's dependencies and nothing else.
  allow('admin-handler', ['contracts', 'runtime', 'admin', 'wiring']),
  // lib/ sees published contracts only: never a domain's internals or an adapter.
  allow('infrastructure', ['contracts', 'admin', 'infrastructure']),
  { from: { element: { types: { anyOf: ['infrastructure'] } } }, allow: { to: { element: { types: { anyOf: ['core'] } }, file: { categories: { anyOf: ['published'] } } } } },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', '.scim-data/**', 'coverage/**', 'test/replay/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      // What of the core other code may read: RFC 7644 §3.12 error bodies, the extension declaration,
      // how values compare (the key design folds through it), and validation with zod's messages.
      'boundaries/files': [
        { category: 'published', pattern: ['lambdas/scim/errors.ts', 'lambdas/scim/extensions.ts', 'lambdas/scim/comparison.ts', 'lambdas/scim/validation.ts'] },
      ],
      'boundaries/include': ['lambdas/**/*.ts', 'lib/**/*.ts', 'bin/**/*.ts'],
      'boundaries/dependency-nodes': ['import', 'dynamic-import', 'export'],
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies }],
      'boundaries/no-unknown-files': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The core, the domains and the contracts know nothing of AWS or middy: adapters do.
    files: ['lambdas/scim/**', 'lambdas/directory/**', 'lambdas/tenancy/**', 'lambdas/contracts/**', 'lambdas/runtime/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [fullZod],
          patterns: [
            { group: ['@aws-sdk/*', '@middy/*', 'aws-lambda', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'AWS and middy belong to the adapters and handlers.', allowTypeImports: true },
            { group: ['@aws-lambda-powertools/*'], message: 'Log through lambdas/runtime/logger.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['lambdas/runtime/**'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    // Runtime code never loads the CDK.
    files: ['lambdas/**'],
    ignores: ['lambdas/scim/**', 'lambdas/directory/**', 'lambdas/tenancy/**', 'lambdas/contracts/**', 'lambdas/runtime/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [fullZod], patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'Runtime code never loads the CDK.' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read SCIM JSON of any shape.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
