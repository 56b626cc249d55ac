/**
 * Replays recorded-IdP-traffic fixtures (test/replay/fixtures/<idp>/<operation>.json, format in
 * README.md) against the real handlers on the embedded store, one jest test per fixture file.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allRoutes } from '../../lambdas/contracts/routes';
import { startScimServer } from '../support/scim-server';
import { type JsonPath, mismatches, presentPaths, valueAt } from './match';

interface Step {
  name?: string;
  request: {
    method: string;
    /** Relative to the SCIM base, query included. */
    path: string;
    headers?: Record<string, string>;
    /** Sent as JSON. */
    body?: unknown;
    /** Sent verbatim (for malformed JSON). */
    rawBody?: string;
  };
  expect: {
    status: number | number[];
    /** Each value must be contained (case-insensitively) in the response header. */
    headers?: Record<string, string>;
    /** Deep-partial match, see match.ts. */
    body?: unknown;
    /** Paths that must not be present in the response body. */
    absent?: JsonPath[];
  };
  /** Variable name → path in the response body. */
  capture?: Record<string, JsonPath>;
}

interface Fixture {
  idp: string;
  description: string;
  steps: Step[];
}

const FIXTURES_DIR = join(__dirname, 'fixtures');
const RUN_ID = randomBytes(4).toString('hex');
const BODY_EXCERPT = 2000;

function loadFixtures(): Array<{ file: string; fixture: Fixture }> {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((dir) => dir.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(FIXTURES_DIR, dir.name))
        .filter((name) => name.endsWith('.json'))
        .map((name) => {
          const file = `${dir.name}/${name}`;
          const fixture = JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as Fixture;
          if (fixture.idp !== dir.name) throw new Error(`${file}: idp "${fixture.idp}" does not match its folder`);
          if (!fixture.description || !Array.isArray(fixture.steps) || fixture.steps.length === 0) {
            throw new Error(`${file}: needs a description and at least one step`);
          }
          checkPlaceholders(file, fixture);
          return { file, fixture };
        }),
    )
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** Every `${name}` must be built in or captured by an earlier step (or, in `expect`, by the same step). */
function checkPlaceholders(file: string, fixture: Fixture): void {
  const known = new Set(['token', 'unique']);
  const used = (value: unknown) => [...JSON.stringify(value ?? null).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
  fixture.steps.forEach((step, i) => {
    const unknown = (names: string[]) => names.filter((name) => !known.has(name));
    const inRequest = unknown(used(step.request));
    Object.keys(step.capture ?? {}).forEach((name) => known.add(name));
    const missing = [...inRequest, ...unknown(used(step.expect))];
    if (missing.length > 0) throw new Error(`${file}, step ${i + 1}: \${${missing.join('}, ${')}} used before it is captured`);
  });
}

const routes = allRoutes().map((route) => ({
  spec: `${route.method} ${route.path}`,
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** `METHOD /path` of every request that no route in lambdas/contracts/routes.ts serves. */
function unservedRequests(fixture: Fixture): string[] {
  const unserved = fixture.steps
    .map((step) => ({ method: step.request.method, path: step.request.path.split('?')[0].replace(/\$\{\w+\}/g, 'x') }))
    .filter(({ method, path }) => !routes.some((route) => route.method === method && route.pattern.test(path)))
    .map(({ method, path }) => `${method} ${path}`);
  return [...new Set(unserved)];
}

type Vars = Record<string, unknown>;

const PLACEHOLDER = /\$\{(\w+)\}/g;

/** Replaces every `${name}` in text; `encode` escapes the inserted values (URL paths). */
function interpolate(text: string, vars: Vars, encode: (value: string) => string = (value) => value): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    if (!(name in vars)) throw new Error(`unresolved placeholder \${${name}}`);
    return encode(String(vars[name]));
  });
}

/** Substitutes placeholders throughout a JSON value; a string that is one whole placeholder keeps the captured type. */
function substitute(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{(\w+)\}$/.exec(value);
    if (whole && whole[1] in vars) return vars[whole[1]];
    return interpolate(value, vars);
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [interpolate(key, vars), substitute(item, vars)]));
  }
  return value;
}

function excerpt(text: string): string {
  return text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}… (${text.length} chars)` : text;
}

async function runStep(baseUrl: string, step: Step, vars: Vars): Promise<{ problems: string[]; summary: string }> {
  const path = interpolate(step.request.path, vars, encodeURIComponent);
  const headers = substitute(step.request.headers ?? {}, vars) as Record<string, string>;
  const body =
    step.request.rawBody !== undefined
      ? interpolate(step.request.rawBody, vars)
      : step.request.body !== undefined
        ? JSON.stringify(substitute(step.request.body, vars))
        : undefined;

  const response = await fetch(baseUrl + path, { method: step.request.method, headers, body });
  const text = await response.text();
  let json: unknown;
  let isJson = true;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    isJson = false;
  }
  const summary = `${step.request.method} ${path}\n    actual status ${response.status}, body: ${excerpt(text) || '(empty)'}`;

  const problems: string[] = [];
  const statuses = Array.isArray(step.expect.status) ? step.expect.status : [step.expect.status];
  if (!statuses.includes(response.status)) {
    problems.push(`status: expected ${statuses.join(' or ')}, got ${response.status}`);
  }
  for (const [name, at] of Object.entries(step.capture ?? {})) {
    const value = valueAt(json, at);
    if (value === undefined || value === null) problems.push(`capture ${name}: nothing at ${JSON.stringify(at)}`);
    else vars[name] = value;
  }

  let expected: Step['expect'];
  try {
    expected = substitute(step.expect, vars) as Step['expect'];
  } catch (error) {
    return { problems: [...problems, `expect: ${(error as Error).message}`], summary };
  }
  for (const [name, want] of Object.entries(expected.headers ?? {})) {
    const got = response.headers.get(name);
    if (got === null) problems.push(`header ${name}: expected to contain "${want}", but it is missing`);
    else if (!got.toLowerCase().includes(String(want).toLowerCase())) {
      problems.push(`header ${name}: expected to contain "${want}", got "${got}"`);
    }
  }
  if (expected.body !== undefined) {
    if (!isJson) problems.push('body: not JSON');
    else problems.push(...mismatches(expected.body, json).map((m) => `body ${m}`));
  }
  for (const absent of expected.absent ?? []) {
    for (const found of presentPaths(json, absent)) problems.push(`body ${found}: must not be present`);
  }
  return { problems, summary };
}

async function replay(file: string, fixture: Fixture, index: number, baseUrl: string, token: string): Promise<void> {
  const vars: Vars = { token, unique: `${RUN_ID}${index}` };
  for (const [i, step] of fixture.steps.entries()) {
    const label = `replay ${file}, step ${i + 1} of ${fixture.steps.length}${step.name ? ` (${step.name})` : ''}`;
    let outcome: { problems: string[]; summary: string };
    try {
      outcome = await runStep(baseUrl, step, vars);
    } catch (error) {
      throw new Error(`${label}: ${(error as Error).message}`);
    }
    if (outcome.problems.length > 0) {
      throw new Error(`${label}: ${outcome.summary}\n  - ${outcome.problems.join('\n  - ')}`);
    }
  }
}

const fixtures = loadFixtures();
const runnable = fixtures.filter(({ fixture }) => unservedRequests(fixture).length === 0);

describe('replayed IdP traffic', () => {
  let server: Awaited<ReturnType<typeof startScimServer>> | undefined;

  beforeAll(async () => {
    if (runnable.length > 0) server = await startScimServer();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  const skipped = fixtures
    .map(({ file, fixture }) => ({ file, unserved: unservedRequests(fixture) }))
    .filter(({ unserved }) => unserved.length > 0);
  if (skipped.length > 0) {
    console.log(
      `replay: skipped ${skipped.length} fixture(s) whose requests hit routes not in scimFunctions (lambdas/contracts/routes.ts):\n` +
        skipped.map(({ file, unserved }) => `  ${file}: ${unserved.join(', ')}`).join('\n'),
    );
  }

  for (const [index, { file, fixture }] of fixtures.entries()) {
    const title = `${file}: ${fixture.description}`;
    if (unservedRequests(fixture).length > 0) {
      test.skip(title, () => undefined);
      continue;
    }
    test(title, async () => {
      if (!server) throw new Error('SCIM server did not start');
      await replay(file, fixture, index, server.baseUrl, server.token);
    }, 60_000);
  }
});
