export default async function globalTeardown() {
  await Promise.all(((globalThis as { __scimStores?: Array<{ stop(): Promise<void> }> }).__scimStores ?? []).map((store) => store.stop()));
}
