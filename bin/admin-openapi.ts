import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { adminOpenApiText } from '../lib/admin-openapi';

// Regenerates the committed document after a change to the route table or the settings schema.
const target = resolve(__dirname, '../docs/admin-api.openapi.json');
writeFileSync(target, adminOpenApiText());
console.log(`wrote ${target}`);
