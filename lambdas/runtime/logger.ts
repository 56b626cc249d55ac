import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of every function. Its callers log what happened (route, status, tenant, ids),
 * never a request body or the Authorization header: SCIM bodies are personal data and the header
 * is the key to the directory.
 */
export const logger = new Logger({ serviceName: 'scim' });
