// The AWS SDK's Node-version notice (aws-sdk-js-v3#7983 documents this switch) would otherwise print once per
// test file, burying real failures; set here so every worker and every child process inherits it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Integration tests drive a real embedded store on 2 cores, alongside other test files.
  testTimeout: 30_000,
  // Jest's default on 2 cores is one worker, which leaves a core idle while the worker waits on the store.
  maxWorkers: 2,
  // A worker that has loaded aws-cdk-lib for many test files holds about 1 GB; at the end of the run
  // it takes longer than jest's 500 ms to tear down and is killed ("failed to exit gracefully").
  // Recycled once past this, no worker grows that large.
  workerIdleMemoryLimit: '600MB',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  // middy is ESM-only; swc turns it into CommonJS with the rest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
