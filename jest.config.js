/**
 * Tests run on a real Temporal dev server (started once per run by test/support/global-setup.ts)
 * and a real local provider emulator over HTTP. No time-skipping fake, no mocked client.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // `await import('./x.js')` (tsc keeps dynamic imports native under node16): the test run loads x.ts
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
  // Jobs and servers are real: give the slow machines here room, and show which test is running.
  verbose: true,
};
