/**
 * Probes until `done` accepts what the probe saw, or the deadline passes; returns the last
 * observation either way, for the test to assert on. Waiting for a condition instead of a fixed
 * sleep keeps a test fast on a quiet machine and correct on a loaded one.
 */
export async function eventually<T>(probe: () => Promise<T>, done: (seen: T) => boolean, options: { withinMs: number; everyMs?: number }): Promise<T> {
  const deadline = Date.now() + options.withinMs;
  for (;;) {
    const seen = await probe();
    if (done(seen) || Date.now() >= deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 50));
  }
}
