import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-bench/**',
      'node_modules/**',
      'coverage/**',
      'jest.config.js',
      'eslint.config.mjs',
      'scripts/**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Only src/config/ (and the simulator/CLI entrypoints) read process.env.',
        },
      ],
    },
  },
  {
    files: ['src/config/**', 'src/simulator/**', 'src/main.ts', 'test/**', 'bench/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // bench/ is outside tsconfig.json's include: type-checked with its own project.
    files: ['bench/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: false, project: './tsconfig.bench.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**'],
    rules: { '@typescript-eslint/unbound-method': 'off', '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
);
