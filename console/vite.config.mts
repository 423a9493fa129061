import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console's build (docs/console.md): served by Gatehouse itself under /console from
 * dist/console, so every asset path starts with /console/ and nothing is inlined into the HTML
 * (the console's Content-Security-Policy has no 'unsafe-inline').
 */
export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
