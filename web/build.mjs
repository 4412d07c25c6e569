// Bundles the search page into dist/ (no CDN: everything is served by the
// query server itself).
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/app.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile: 'dist/app.js',
  logLevel: 'warning',
});
cpSync('public', 'dist', { recursive: true });
console.log('web: built dist/');
