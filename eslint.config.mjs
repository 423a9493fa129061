// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-test/', '.build-*/', 'node_modules/', 'data/', 'coverage/', 'bench/', 'scripts/', 'eslint.config.mjs', 'console/vite.config.mts'] },
  { ignores: ['.dependency-cruiser.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The examples are plain Node.js scripts without dependencies (examples/*/README.md), outside
    // every tsconfig: linted as JavaScript, without type information.
    files: ['examples/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: {
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        process: 'readonly',
      },
    },
  },
  {
    // Floors (docs/architecture.md): only the ground floor (config, common, metrics, database) offers
    // global providers. dependency-cruiser checks imports but cannot see decorators.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/common/**', 'src/metrics/**', 'src/database/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "Decorator[expression.callee.name='Global']",
          message:
            'Only the ground floor (config, common, metrics, database) is @Global. Import the module in ' +
            'each module that uses it, or define a port in src/common bound in src/app.module.ts ' +
            '(docs/architecture.md, ports).',
        },
        {
          selector: "Property[key.name='global'][value.value=true]",
          message:
            'Only the ground floor (config, common, metrics, database) is global. Import the module in ' +
            'each module that uses it, or define a port in src/common bound in src/app.module.ts ' +
            '(docs/architecture.md, ports).',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
