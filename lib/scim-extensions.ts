import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FunctionEnvironmentName } from '../lambdas/contracts/environment';
import { parseExtensions, parseExtensionsJson, type ExtensionsDeclarationInput } from '../lambdas/scim/extensions';

/** The operator's declaration of schema extensions, read by `cdk synth` and `npm start` alike; optional. */
export const EXTENSIONS_FILE = 'scim-extensions.json';

const EXTENSIONS_VARIABLE: FunctionEnvironmentName = 'SCIM_EXTENSIONS';

/**
 * Lambda allows 4 KB for all of a function's environment variables together; the others (table
 * name, secret ARN, Node and Powertools settings) take well under 1 KB.
 */
export const MAX_EXTENSIONS_BYTES = 3_072;

/**
 * Reads and validates the declaration: `explicit` (a path, relative to the working directory) when
 * given, which must exist; otherwise `scim-extensions.json` in `root` if there is one. Throws an
 * Error that names the file and every problem in it.
 */
export function readExtensionsFile(root: string, explicit?: string): ExtensionsDeclarationInput | undefined {
  const file = explicit ? resolve(explicit) : join(root, EXTENSIONS_FILE);
  if (!existsSync(file)) {
    if (explicit) throw new Error(`Schema extension file ${file} does not exist.`);
    return undefined;
  }
  const text = readFileSync(file, 'utf8');
  try {
    parseExtensionsJson(text);
  } catch (error) {
    throw new Error(`Invalid schema extension declaration in ${file}: ${(error as Error).message}`);
  }
  return JSON.parse(text) as ExtensionsDeclarationInput;
}

/**
 * The environment that hands a validated declaration to the handlers, which parse it once at cold
 * start (lambdas/wiring/config.ts). An environment variable rather than a bundled file: it needs no build
 * step of its own, the local server passes it the same way, and the console shows what a
 * function runs with. It is passed as the operator wrote it, compactly, so defaults take no room.
 */
export function extensionsEnvironment(declaration: ExtensionsDeclarationInput | undefined): Record<string, string> {
  if (declaration === undefined) return {};
  let parsed;
  try {
    parsed = parseExtensions(declaration);
  } catch (error) {
    throw new Error(`Invalid schema extension declaration: ${(error as Error).message}`);
  }
  if (parsed.extensions.length === 0) return {};
  const text = JSON.stringify(declaration);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_EXTENSIONS_BYTES) {
    throw new Error(
      `The schema extension declaration is ${bytes} bytes as compact JSON; at most ${MAX_EXTENSIONS_BYTES} fit beside the other ` +
        "environment variables in Lambda's 4 KB. Shorten descriptions, or leave out characteristics that are at their defaults (RFC 7643 §2.2).",
    );
  }
  return { [EXTENSIONS_VARIABLE]: text };
}
