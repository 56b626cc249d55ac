/**
 * Waits for every promise, then fails with the first failure: unlike Promise.all, nothing is still
 * writing after the caller has answered (in Lambda, such work would freeze and resume with the
 * next request; an IdP's retry would race it).
 */
export async function allSettledOrThrow<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const outcomes = await Promise.allSettled(promises);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/**
 * Runs `run` over items with at most `limit` in flight, keeping the results in order. After a
 * failure no new item starts, and it fails once those in flight have ended.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  await allSettledOrThrow(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length && !failed) {
        const index = next++;
        try {
          results[index] = await run(items[index]);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  return results;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * Waits a random time below an exponentially growing ceiling ("full jitter"), so that writers
 * retrying the same item spread out instead of colliding again.
 */
export function backoff(attempt: number, baseMs: number, capMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(capMs, baseMs * 2 ** attempt)));
}

/**
 * A read started early, alongside others, that the caller may end up not needing: its failure
 * is reported where it is awaited, never as an unhandled rejection when it is not.
 */
export function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * A pace shared by everyone holding it: each call resolves at the next of `perSecond` slots a
 * second, so parallel workers together stay under the rate.
 */
export function pacer(perSecond: number): () => Promise<void> {
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / perSecond;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  };
}
