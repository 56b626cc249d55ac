export default async function globalTeardown() {
  await (globalThis as { __scimStore?: { stop(): Promise<void> } }).__scimStore?.stop();
}
