import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The lint step enforces the architecture (eslint.config.mjs): each probe is a file that does not
 * exist, linted as if it stood at `path`, so the rule is shown to refuse what it must refuse and
 * to pass what the layout allows.
 */
const probes = [
  { name: 'the core importing the DynamoDB adapter', path: 'lambdas/scim/probe.ts', code: "import { batchGet } from '../store/batches';\nexport const probe = batchGet;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'the core importing the AWS SDK', path: 'lambdas/scim/probe.ts', code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const probe = DynamoDBClient;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: 'a domain importing middy', path: 'lambdas/directory/probe.ts', code: "import middy from '@middy/core';\nexport const probe = middy;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: 'a port importing its adapter', path: 'lambdas/directory/ports/probe.ts', code: "import { DynamoResourceStore } from '../../store/dynamo-resource-store';\nexport const probe = DynamoResourceStore;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'an adapter importing a domain service', path: 'lambdas/store/probe.ts', code: "import { ResourceService } from '../directory/resources';\nexport const probe = ResourceService;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'a handler building a store itself instead of taking it from the wiring', path: 'lambdas/cleanup/probe.ts', code: "import { DynamoResourceStore } from '../store/dynamo-resource-store';\nexport const probe = DynamoResourceStore;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'lib importing tenancy internals', path: 'lib/probe.ts', code: "import { TenantAdmin } from '../lambdas/tenancy/tenants';\nexport const probe = TenantAdmin;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'lib importing the filter engine', path: 'lib/probe.ts', code: "import { parseFilter } from '../lambdas/scim/filter-syntax';\nexport const probe = parseFilter;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'runtime code loading the CDK', path: 'lambdas/store/probe.ts', code: "import { Stack } from 'aws-cdk-lib';\nexport const probe = Stack;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: 'lib reading published contracts and the admin library', path: 'lib/probe.ts', code: "import { scimFunctions } from '../lambdas/contracts/routes';\nimport { localTenantAdmin } from '../lambdas/admin/tenant-admin';\nimport { ScimError } from '../lambdas/scim/errors';\nexport const probe = [scimFunctions, localTenantAdmin, ScimError];\n", refusedBy: undefined },
  { name: 'the read library importing the DynamoDB adapter', path: 'lambdas/read/probe.ts', code: "import { batchGet } from '../store/batches';\nexport const probe = batchGet;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'the read library importing the SCIM core', path: 'lambdas/read/probe.ts', code: "import { ScimError } from '../scim/errors';\nexport const probe = ScimError;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'the read library reading the contracts and the AWS SDK', path: 'lambdas/read/probe.ts', code: "import { GetCommand } from '@aws-sdk/lib-dynamodb';\nimport { keys } from '../contracts/table-design';\nexport const probe = [GetCommand, keys];\n", refusedBy: undefined },
  { name: 'a domain importing the EventBridge SDK', path: 'lambdas/directory/probe.ts', code: "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';\nexport const probe = EventBridgeClient;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: 'the events adapter importing a domain service', path: 'lambdas/event-sinks/probe.ts', code: "import { publishChanges } from '../directory/event-publisher';\nexport const probe = publishChanges;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'the events adapter reading its port, the contracts and the AWS SDK', path: 'lambdas/event-sinks/probe.ts', code: "import { PutEventsCommand } from '@aws-sdk/client-eventbridge';\nimport type { EventSink } from '../directory/ports/event-sink';\nimport { EVENT_SOURCE } from '../contracts/events';\nexport const probe: Array<EventSink | unknown> = [PutEventsCommand, EVENT_SOURCE];\n", refusedBy: undefined },
  { name: 'a domain reading the core, its ports and the contracts', path: 'lambdas/directory/probe.ts', code: "import { ScimError } from '../scim/errors';\nimport type { ResourceStore } from './ports/resource-store';\nimport { keys } from '../contracts/table-design';\nexport const probe: Array<ResourceStore | unknown> = [ScimError, keys];\n", refusedBy: undefined },
  { name: 'a SCIM handler reaching the admin library (secrets create and delete)', path: 'lambdas/users/probe.ts', code: "import { prefixTenantAdmin } from '../admin/tenant-admin';\nexport const probe = prefixTenantAdmin;\n", refusedBy: 'boundaries/dependencies' },
  { name: 'the admin API handler building the admin library from the wiring', path: 'lambdas/admin-api/probe.ts', code: "import { prefixTenantAdmin } from '../admin/tenant-admin';\nimport { loadAdminConfig } from '../wiring/config';\nexport const probe = [prefixTenantAdmin, loadAdminConfig];\n", refusedBy: undefined },
  { name: "the core importing zod's full build", path: 'lambdas/scim/probe.ts', code: "import { z } from 'zod';\nexport const probe = z;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: "a handler importing zod's full build", path: 'lambdas/rotation/probe.ts', code: "import { z } from 'zod';\nexport const probe = z;\n", refusedBy: '@typescript-eslint/no-restricted-imports' },
  { name: 'a contract validating with zod/mini and the published validation', path: 'lambdas/contracts/probe.ts', code: "import * as z from 'zod/mini';\nimport { validate } from '../scim/validation';\nexport const probe = validate(z.string(), 'x');\n", refusedBy: undefined },
  { name: 'the admin API handler building a store itself', path: 'lambdas/admin-api/probe.ts', code: "import { SecretsManagerStore } from '../secrets/secrets-manager-store';\nexport const probe = SecretsManagerStore;\n", refusedBy: 'boundaries/dependencies' },
];

describe('the lint step enforces the architecture', () => {
  const results: Array<{ path: string; rules: string[] }> = JSON.parse(
    execFileSync(process.execPath, [resolve(__dirname, 'lint-probes.mjs'), JSON.stringify(probes)], { cwd: resolve(__dirname, '../..'), encoding: 'utf8' }),
  );

  it.each(probes.map((probe, index) => [probe.name, probe, index] as const))('%s', (_name, probe, index) => {
    if (probe.refusedBy) expect(results[index].rules).toContain(probe.refusedBy);
    else expect(results[index].rules).toEqual([]);
  });
});
