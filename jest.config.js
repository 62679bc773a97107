/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // natural's dependencies print dotenv notices on import; they are noise in test output.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testTimeout: 30000,
  // One throwaway PostgreSQL server for the run when its binaries are installed (test/README.md).
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
};
