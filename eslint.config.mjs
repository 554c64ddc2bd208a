// Layering (ARCHITECTURE.md): workflows/ is Temporal's deterministic sandbox and imports only
// @temporalio/workflow, its own helpers and types; the src/ core never imports @temporalio/*.
import tseslint from 'typescript-eslint';

const coreFolders = ['spec', 'dataset', 'providers', 'results', 'storage', 'emulator', 'config', 'report', 'tiers'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.cache/**', '.longhaul/**', 'coverage/**', 'bin/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    // type-aware rules read the TypeScript project (tsconfig.json covers src, workflows, activities, test, bench, scripts)
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // a promise nobody awaits loses its rejection (a crashed worker, a lost write): await it, or say `void`
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'no-console': 'off',
    },
  },
  ...[
    // src/contracts/ is the exception: sandbox-safe constants and types that workflows and activities share
    ['workflows/*.ts', '^\\.\\./(?!src/contracts/)'],
    ['workflows/internal/**/*.ts', '^\\.\\./\\.\\./(?!src/contracts/)'],
  ].map(([files, outside]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            regex: '^(?!@temporalio/workflow$|\\.)',
            allowTypeImports: true,
            message: 'workflows/ runs in the deterministic sandbox: import only @temporalio/workflow and workflows/ helpers.',
          },
          {
            regex: outside,
            allowTypeImports: true,
            message: 'workflows/ may import values only from workflows/ itself and src/contracts/; use `import type` for the rest.',
          },
        ],
      }],
    },
  })),
  {
    // what workflows may import from src/: plain constants and types, so it imports nothing but its own files
    files: ['src/contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ regex: '^(?!\\./)', allowTypeImports: true, message: 'src/contracts/ runs in the workflow sandbox too: import only other contracts (types from anywhere).' }],
      }],
    },
  },
  {
    files: coreFolders.map((f) => `src/${f}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/*'], message: 'the src/ core is Temporal-agnostic: no @temporalio/* imports here.' }],
      }],
    },
  },
  {
    // the CLI is a client like any other: what it needs of the stores and providers goes through src/client
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\./)+(providers|storage|results)(/|$)',
          message: 'src/cli uses the public client (src/client); add what it needs there instead of importing providers, storage or results.',
        }],
      }],
    },
  },
  {
    files: ['src/emulator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['@temporalio/*'], message: 'the src/ core is Temporal-agnostic: no @temporalio/* imports here.' },
          { group: ['**/providers', '**/providers/**'], message: 'the emulator imports nothing from src/providers.' },
        ],
      }],
    },
  },
);
