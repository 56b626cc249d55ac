/** Outputs of the stack that tools read back by name (the admin CLI finds the table with it). */
export const TABLE_NAME_OUTPUT = 'TableName';
/** The EventBridge bus the provisioning events are published on. */
export const EVENT_BUS_NAME_OUTPUT = 'EventBusName';
/** The SCIM base URL IdPs are given. */
export const SCIM_BASE_URL_OUTPUT = 'ScimBaseUrl';
