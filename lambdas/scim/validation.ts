import type * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * zod's English messages. The schemas are zod/mini's, which a Lambda loads in a few milliseconds
 * where zod's full build and its locales take tens, and which loads no locale: without this every
 * message would read "Invalid input".
 */
const english = en().localeError;

/**
 * Validates `input` with a zod/mini schema, in zod's English where a schema gives no message of
 * its own: clients read these in SCIM error details, operators in configuration, extension,
 * settings and admin request errors.
 */
export function validate<T extends z.ZodMiniType>(schema: T, input: unknown): z.util.SafeParseResult<z.output<T>> {
  return schema.safeParse(input, { error: english });
}

/** `validate`, throwing its error (whose message lists every issue) when `input` is not valid. */
export function validated<T extends z.ZodMiniType>(schema: T, input: unknown): z.output<T> {
  const result = validate(schema, input);
  if (!result.success) throw result.error;
  return result.data;
}
