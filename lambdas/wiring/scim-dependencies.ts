import { schemaRegistry } from '../scim/extensions';
import { loadConfig } from './config';
import { tokenDependencies } from './token-dependencies';

/**
 * What every SCIM function needs, none of it the table: discovery needs no more, so it bundles no
 * DynamoDB client. Built once per Lambda container from its environment.
 */
export function scimDependencies() {
  const config = loadConfig();
  return {
    config,
    /** Built-in schemas and the deployment's declared extensions. */
    registry: schemaRegistry(config.SCIM_EXTENSIONS),
    verifier: tokenDependencies(config).verifier,
  };
}
