// Bundles src/extension.ts and its runtime dependencies (vscode-languageclient) into one file, out/extension.js,
// so the .vsix is packaged with --no-dependencies and needs no node_modules at run time.
import * as esbuild from 'esbuild';

const production = !process.argv.includes('--dev');

await esbuild.build({
  entryPoints: ['src/extension.ts'],
  bundle: true,
  outfile: 'out/extension.js',
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  logLevel: 'warning',
});
