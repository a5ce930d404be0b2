// Unit specs beside the code; service specs of LatchModule.forRoot() with its services called
// directly; e2e specs that boot the real app against PostgreSQL (DATABASE_URL) or the embedded
// database; the client's specs; the demo in Chromium.
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// Nest 12 (and some of its dependencies) ship as ESM only. Node runs them through
// require(esm), but Jest's module loader does that only from Node 24.9, so on Node 20/22
// every ESM-only package is compiled to CommonJS for the tests. PGlite is left alone: it
// has a CommonJS build and needs import.meta for its WASM files.
function esmOnlyPackages(root = join(__dirname, 'node_modules')) {
  const names = readdirSync(root).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(root, name)).map((sub) => `${name}/${sub}`) : [name],
  );
  return names.filter((name) => {
    if (name.startsWith('@electric-sql/')) return false;
    try {
      return JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}
const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnlyPackages().map(escape).join('|')})/)`];

const transform = {
  '^.+\\.(ts|js|mjs)$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
    },
    {
      // Latch as a library: LatchModule.forRoot() in a testing module, services called directly
      displayName: 'service',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'],
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
    },
    {
      // @latch/client: an ES module whose relative imports end in .js
      displayName: 'client',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/client/test/**/*.spec.ts'],
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    },
    {
      // @latch/resource-server (packages/resource-server): its verifier, feed client and guard
      displayName: 'resource-server',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/packages/resource-server/src/**/*.spec.ts'],
    },
    {
      // the demo app in Debian's Chromium (playwright-core), against the built service
      displayName: 'browser',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
      testTimeout: 120000,
    },
  ],
};
