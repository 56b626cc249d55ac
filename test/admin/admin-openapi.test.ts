import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminRoutes } from '../../lambdas/contracts/admin-routes';
import { adminOpenApiText } from '../../lib/admin-openapi';

const DOCUMENT = join(__dirname, '../../docs/admin-api.openapi.json');
const text = readFileSync(DOCUMENT, 'utf8');
const document = JSON.parse(text);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

const operations = () =>
  Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation, shared: item.parameters ?? [] })),
  );

test('is OpenAPI 3.1 JSON', () => {
  expect(document.openapi).toMatch(/^3\.1\.\d+$/);
  expect(document.info.title).toEqual(expect.any(String));
});

test('has exactly the route table (method, path) pairs', () => {
  expect(operations().map(({ method, path }) => `${method} ${path}`).sort()).toEqual([...Object.values(adminRoutes)].sort());
});

test('declares every path parameter of every route, required, and no other', () => {
  for (const { method, path, operation, shared } of operations()) {
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name).sort();
    const declared = [...shared, ...(operation.parameters ?? [])].filter((parameter: any) => parameter.in === 'path');
    expect({ route: `${method} ${path}`, declared: declared.map((parameter: any) => parameter.name).sort() }).toEqual({ route: `${method} ${path}`, declared: inPath });
    for (const parameter of declared) expect(parameter.required).toBe(true);
  }
});

test('every operation answers JSON and needs SigV4', () => {
  expect(document.components.securitySchemes.sigv4).toEqual({ type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' });
  expect(document.security).toEqual([{ sigv4: [] }]);
  for (const { operation } of operations()) {
    expect(operation.security).toBeUndefined();
    const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
    expect(success).toHaveLength(1);
    expect(operation.responses[success[0]].content['application/json'].schema).toBeDefined();
    expect(operation.responses['403']).toBeDefined();
  }
});

test('every $ref resolves, to a schema or a response', () => {
  const refs = [...text.matchAll(/"\$ref": "#\/components\/(schemas|responses)\/([^"]+)"/g)].map(([, kind, name]) => ({ kind, name }));
  expect(refs.map(({ kind }) => kind)).toEqual(expect.arrayContaining(['schemas', 'responses']));
  for (const { kind, name } of refs) expect({ kind, name, found: document.components[kind][name] !== undefined }).toEqual({ kind, name, found: true });
  expect(text.match(/"\$ref": "(?!#\/components\/(schemas|responses)\/)/)).toBeNull();
});

test('is what npm run admin-openapi generates from the route table and the settings schema', () => {
  expect(text).toBe(adminOpenApiText());
});
