// Lints imports the architecture forbids (and one it allows) as if they stood at the given paths,
// without writing them into the tree; prints each probe's rule ids as JSON.
import { ESLint } from 'eslint';

const probes = JSON.parse(process.argv[2]);
const eslint = new ESLint({ cwd: process.cwd() });
const results = [];
for (const probe of probes) {
  const [result] = await eslint.lintText(probe.code, { filePath: probe.path });
  results.push({ path: probe.path, rules: result.messages.map((message) => message.ruleId ?? message.message) });
}
process.stdout.write(JSON.stringify(results));
