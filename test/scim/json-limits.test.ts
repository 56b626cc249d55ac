import { nestingBeyond, storageProblem } from '../../lambdas/scim/json-limits';
import { ScimError } from '../../lambdas/scim/errors';

const limits = { maxDepth: 4, maxBytes: 1000, minMagnitude: 1e-130 };

describe('nestingBeyond', () => {
  it('names where a value first nests past the limit, the top object being level 1', () => {
    expect(nestingBeyond({ a: [{ b: 1 }] }, 3)).toBeUndefined();
    expect(nestingBeyond({ a: [{ b: {} }] }, 3)).toBe('a[0].b');
    expect(nestingBeyond([[]], 1)).toBe('[0]');
  });

  it('walks a million levels without recursion', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1_000_000; level++) deep = [deep];
    expect(nestingBeyond(deep, 32)).toMatch(/^(\[0\]){32}$/);
  });

  it('leaves values marked opaque unexamined', () => {
    const body = { Operations: [{ data: [[[[[]]]]] }] };
    expect(nestingBeyond(body, 3, (path) => path.join('.') === 'Operations.0.data')).toBeUndefined();
  });
});

describe('storageProblem', () => {
  const problem = (resource: Record<string, unknown>) => storageProblem(resource, 'User', limits);

  it('accepts what DynamoDB keeps exactly', () => {
    expect(problem({ a: 1.5, b: -9007199254740991, c: 1.5e-100, d: 0, e: [true, null, 'x'] })).toBeUndefined();
  });

  it.each([Infinity, -Infinity, 9007199254740992, 1e-131, 1e300])('refuses %p as invalidValue naming the attribute', (value) => {
    const error = problem({ ext: { score: value } }) as ScimError;
    expect({ status: error.status, scimType: error.scimType, detail: error.detail }).toEqual({ status: 400, scimType: 'invalidValue', detail: expect.stringContaining('ext.score') });
  });

  it('refuses an empty attribute name and nesting past maxDepth', () => {
    expect(problem({ ext: { '': 1 } })?.detail).toContain('empty name');
    expect(problem({ a: { b: { c: { d: 1 } } } })).toBeUndefined();
    expect(problem({ a: { b: { c: { d: {} } } } })?.detail).toContain('more than 4 levels');
  });

  it('weighs at least what DynamoDB counts (UTF-8 names and strings) and names the heaviest attribute', () => {
    expect(problem({ name: 'é'.repeat(480) })).toBeUndefined();
    const error = problem({ small: 'x', name: 'é'.repeat(500) }) as ScimError;
    expect({ status: error.status, detail: error.detail }).toEqual({ status: 413, detail: expect.stringMatching(/at most 1000 bytes.*largest attribute is name \(1001 bytes\)/) });
  });
});
