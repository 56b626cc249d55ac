import type { BuildOptions } from 'esbuild';
import { FUNCTION_BUNDLING } from './function-code';

/** The esbuild options NodejsFunction derives from FUNCTION_BUNDLING, for builds outside a synth. */
export function functionBuildOptions(outfile: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    outfile,
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    mainFields: FUNCTION_BUNDLING.mainFields,
    external: FUNCTION_BUNDLING.bundleAwsSDK ? [] : ['@aws-sdk/*'],
    logLevel: 'error',
  };
}
