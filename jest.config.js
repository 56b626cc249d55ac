/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Integration tests drive a real embedded store on 2 cores, alongside other test files.
  testTimeout: 30_000,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  // middy is ESM-only; swc turns it into CommonJS with the rest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};
