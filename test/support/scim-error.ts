import { ScimError } from '../../lambdas/scim/errors';

/** The ScimError that `run` throws; any other outcome fails the test. */
export function scimErrorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}
