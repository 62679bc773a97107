/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // natural's dependencies print dotenv notices on import; they are noise in test output.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  testTimeout: 30000,
};
