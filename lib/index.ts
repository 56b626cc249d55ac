/**
 * The construct library: add a SCIM 2.0 service provider to your own CDK stack.
 *
 *   import { ScimEndpoint } from 'serverless-scim';
 *   const scim = new ScimEndpoint(this, 'Scim', { alarmTopic, eventBus });
 *   scim.grantDirectoryRead(appFunction);
 *
 * What the application imports at run time lives in subpaths that never load aws-cdk-lib:
 * `serverless-scim/read` (the directory reader), `serverless-scim/events` (event types and
 * schemas) and `serverless-scim/admin` (the admin API client).
 */
export { ScimEndpoint, type ScimCustomDomain, type ScimEndpointProps } from './scim-endpoint';
export { ScimStack, type ScimStackProps } from './scim-stack';
export { readExtensionsFile } from './scim-extensions';
