// Prints the TextMate scopes of every token of a .pw file: `node scripts/dump-tokens.mjs FILE.pw`.
// Handy when writing grammar tests (test/*.test.pw) or checking how a construct is highlighted.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = path.dirname(fileURLToPath(import.meta.url));
const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
await oniguruma.loadWASM(wasm);

const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scopeName) => {
    if (scopeName !== 'source.paw') return null;
    const file = path.join(here, '..', 'syntaxes', 'paw.tmLanguage.json');
    return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
  },
});

const grammar = await registry.loadGrammar('source.paw');
const text = fs.readFileSync(process.argv[2], 'utf8');
let stack = vsctm.INITIAL;
text.split(/\r?\n/).forEach((line, i) => {
  const r = grammar.tokenizeLine(line, stack);
  stack = r.ruleStack;
  console.log(`${i + 1}: ${line}`);
  for (const t of r.tokens) {
    const s = line.slice(t.startIndex, t.endIndex);
    if (s.trim() === '') continue;
    console.log(`    ${String(t.startIndex).padStart(3)} ${JSON.stringify(s).padEnd(24)} ${t.scopes.slice(1).join(' ')}`);
  }
});
