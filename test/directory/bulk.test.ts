import { parseBulkRequest, type BulkOperation, type BulkOutcome } from '../../lambdas/scim/bulk';
import { runBulk } from '../../lambdas/directory/bulk';
import { BULK_REQUEST } from '../support/urns';

const request = (operations: unknown[], failOnErrors?: number) => parseBulkRequest({ schemas: [BULK_REQUEST], failOnErrors, Operations: operations });
const post = (bulkId: string, data: unknown = {}) => ({ method: 'POST', path: '/Users', bulkId, data });

/**
 * Stands in for the routes: records what ran, when, and with what, and answers after a tick so
 * that operations started together overlap. The store is the integration tests' business.
 */
function recorder(fail: (operation: BulkOperation) => boolean = () => false) {
  const events: string[] = [];
  const seen: BulkOperation[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const execute = async (operation: BulkOperation): Promise<BulkOutcome> => {
    const name = operation.bulkId ?? `${operation.method} ${operation.path}`;
    seen.push(operation);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    events.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    running -= 1;
    events.push(`end ${name}`);
    if (fail(operation)) return { status: 400 };
    return operation.method === 'POST' ? { status: 201, id: `id-of-${operation.bulkId}` } : { status: 200 };
  };
  return { execute, events, seen, mostAtOnce: () => mostAtOnce };
}

const always = { concurrency: 4, mayStart: () => true };

describe('runBulk', () => {
  it('runs consecutive creates together, at most `concurrency` at once', async () => {
    const run = recorder();
    const responses = await runBulk(request(Array.from({ length: 10 }, (_, index) => post(`u${index}`))), run.execute, always);
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill('201'));
    expect(run.mostAtOnce()).toBe(4);
  });

  it.each(['PUT', 'PATCH'])('runs a %s alone, after everything before it and before everything after it', async (method) => {
    const run = recorder();
    const operations = [{ method: 'DELETE', path: '/Users/0' }, { method, path: '/Users/1', data: {} }, { method, path: '/Users/2', data: {} }, post('c'), post('d')];
    await runBulk(request(operations), run.execute, always);
    const at = (event: string) => run.events.indexOf(event);
    expect(at(`start ${method} /Users/1`)).toBeGreaterThan(at('end DELETE /Users/0'));
    expect(at(`start ${method} /Users/2`)).toBeGreaterThan(at(`end ${method} /Users/1`));
    expect(at(`end ${method} /Users/2`)).toBeLessThan(Math.min(at('start c'), at('start d')));
  });

  it('runs consecutive deletes of distinct resources together, and never two of one resource', async () => {
    const run = recorder();
    const remove = (path: string) => ({ method: 'DELETE', path });
    await runBulk(request([remove('/Users/1'), remove('/Groups/1'), remove('/Users/2/'), remove('Users/1'), remove('/Users/3')]), run.execute, always);
    const at = (event: string) => run.events.indexOf(event);
    expect(at('start DELETE /Groups/1')).toBeLessThan(at('end DELETE /Users/1'));
    expect(at('start DELETE Users/1')).toBeGreaterThan(at('end DELETE /Users/1'));
    expect(run.mostAtOnce()).toBe(3);
  });

  it('runs one at a time under failOnErrors, so nothing past the limit is under way', async () => {
    const run = recorder((operation) => operation.bulkId === 'u2');
    const responses = await runBulk(request(Array.from({ length: 6 }, (_, index) => post(`u${index}`)), 1), run.execute, always);
    expect(run.mostAtOnce()).toBe(1);
    expect(responses.map((response) => [response.bulkId, response.status])).toEqual([
      ['u0', '201'],
      ['u1', '201'],
      ['u2', '400'],
    ]);
    expect(run.seen).toHaveLength(3);
  });

  it('hands the route the ids that references stand for, in data and path, once their POSTs have run', async () => {
    const run = recorder();
    await runBulk(
      request([
        { method: 'PATCH', path: '/Groups/bulkId:g', data: { Operations: [{ op: 'add', value: [{ value: 'bulkId:u' }] }] } },
        post('g', { displayName: 'g', members: [{ value: 'bulkId:u' }, { value: 'bulkId:v' }] }),
        post('u', { userName: 'not bulkId:u', nickName: 'bulkId:v' }),
        post('v'),
      ]),
      run.execute,
      always,
    );
    const byName = new Map(run.seen.map((operation) => [operation.bulkId ?? operation.path, operation]));
    expect(byName.get('u')!.data).toEqual({ userName: 'not bulkId:u', nickName: 'id-of-v' });
    expect(byName.get('g')!.data).toEqual({ displayName: 'g', members: [{ value: 'id-of-u' }, { value: 'id-of-v' }] });
    expect(byName.get('/Groups/id-of-g')!.data).toEqual({ Operations: [{ op: 'add', value: [{ value: 'id-of-u' }] }] });
    expect(run.events.indexOf('start g')).toBeGreaterThan(run.events.indexOf('end u'));
  });

  it('answers 503 for every operation it had no time to start, and starts none of them', async () => {
    const run = recorder();
    let starts = 3;
    const responses = await runBulk(request([post('a'), post('b'), { method: 'DELETE', path: '/Users/1' }, post('c'), post('d')]), run.execute, {
      concurrency: 4,
      mayStart: () => starts-- > 0,
    });
    expect(run.seen.map((operation) => operation.bulkId ?? operation.method)).toEqual(['a', 'b']);
    expect(responses.map((response) => response.status)).toEqual(['201', '201', '503', '503', '503']);
    expect(responses[2].response).toMatchObject({ status: '503', detail: expect.stringContaining('Not attempted') });
  });
});
