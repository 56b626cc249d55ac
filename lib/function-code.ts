import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { adminFunction } from '../lambdas/contracts/admin-routes';
import { gatewayFunctions, migrationFunctions, scimFunctions, streamFunctions, tokenFunctions } from '../lambdas/contracts/routes';

/** How every function is bundled: by the stack from source, by `npm pack` ahead of time, and by bin/startup-bench.ts to measure cold starts. */
export const FUNCTION_BUNDLING = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  // Stack traces need file and line mappings, not the sources; without them the .map is a third the size.
  sourcesContent: false,
  target: 'node24',
  // Only the SDK v3 code the handlers use is loaded at cold start, and it is the version
  // package-lock.json pins rather than the runtime's copy, which AWS updates on its own schedule.
  bundleAwsSDK: true,
  // ES module builds (SDK v3, Powertools, zod) tree-shake; their CommonJS builds do not.
  mainFields: ['module', 'main'],
};

/** Every function the construct deploys, by source entry (relative to the project root). */
export const FUNCTION_ENTRIES: readonly string[] = [
  ...Object.values(scimFunctions),
  ...Object.values(gatewayFunctions),
  ...Object.values(streamFunctions),
  ...Object.values(tokenFunctions),
  ...Object.values(migrationFunctions),
  adminFunction,
].map(({ entry }) => entry);

/** `lambdas/token-expiry/handler.ts` → `token-expiry`: the folder of its pre-bundled asset. */
export function assetNameOf(entry: string): string {
  return path.basename(path.dirname(entry));
}

/**
 * The package ships every function pre-bundled beside its compiled construct (dist/assets), so a
 * consumer's synth needs neither esbuild nor Docker nor our sources. From the repository's
 * sources there is no such folder, and the stack bundles at synth.
 */
const ASSETS = path.join(__dirname, '..', 'assets');

/** The pre-bundled folder of `entry` when running from the package; undefined from source. */
export function prebundledAsset(entry: string): string | undefined {
  if (!existsSync(ASSETS)) return undefined;
  const folder = path.join(ASSETS, assetNameOf(entry));
  if (!existsSync(path.join(folder, 'index.js'))) {
    throw new Error(`${entry} was not pre-bundled into ${folder}: the package was built without it (npm run build lists FUNCTION_ENTRIES).`);
  }
  return folder;
}
