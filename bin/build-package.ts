/**
 * Builds what `npm pack` ships (run by `prepack`): the construct, the read library, the event
 * contract and the admin client compiled to CommonJS with their declarations (PUBLISHED: what
 * they import comes along, nothing else),
 * and every function pre-bundled exactly as the stack bundles it from source, under
 * dist/assets/<function>/index.js, where the compiled construct finds them.
 *
 *   npm run build
 */
import { rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { functionBuildOptions } from '../lib/function-build-options';
import { assetNameOf, FUNCTION_ENTRIES } from '../lib/function-code';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');

/** The package's entry points (package.json `exports`). */
const PUBLISHED = ['lib/index.ts', 'lambdas/read/directory-reader.ts', 'lambdas/contracts/events.ts', 'lambdas/admin/admin-client.ts'];

/** The project's compiler options (tsconfig.json), emitting CommonJS with declarations. */
function compile() {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => console.error(diagnostic.messageText) });
  if (!config) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    declaration: true,
    outDir: DIST,
    rootDir: ROOT,
    types: ['node'],
  };
  const program = ts.createProgram(PUBLISHED.map((file) => join(ROOT, file)), options);
  const { diagnostics } = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...diagnostics].filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
  }
}

async function main() {
  rmSync(DIST, { recursive: true, force: true });
  compile();

  const bundles = await Promise.all(
    FUNCTION_ENTRIES.map(async (entry) => {
      const outfile = join(DIST, 'assets', assetNameOf(entry), 'index.js');
      await build({ ...functionBuildOptions(outfile), entryPoints: [join(ROOT, entry)] });
      return { function: assetNameOf(entry), KB: Math.round(statSync(outfile).size / 1024) };
    }),
  );
  // On stderr: `npm pack --json` runs this first and keeps stdout for its own report.
  console.error(bundles.map((b) => `${b.function.padEnd(14)} ${String(b.KB).padStart(5)} KB`).join("\n"));
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
