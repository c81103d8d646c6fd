// Nest 12, jose and uuid are pure ESM; jest's module loader cannot require(esm) for them, so swc turns them into CJS
// (docs/development.md, trap 1).
const esm = [
  '@nestjs',
  'jose',
  'uuid',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
  'load-esm',
];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+\\.m?js$': ['@swc/jest', { module: { type: 'commonjs' }, jsc: { target: 'es2022' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esm.join('|')})/)`],
  setupFiles: ['<rootDir>/test/setup/quiet-logs.ts'],
  // The fault matrix's one summary line over all its spec files (test/faults/verdict-log.ts).
  globalSetup: '<rootDir>/test/setup/fault-verdicts.setup.ts',
  globalTeardown: '<rootDir>/test/setup/fault-verdicts.teardown.ts',
  testTimeout: 60000,
};
