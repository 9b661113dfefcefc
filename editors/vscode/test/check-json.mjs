// Static checks of the extension's declarative files, run by `npm test` before the grammar tests:
// - package.json, the grammars and language-configuration.json parse, and every file package.json names exists;
// - every regular expression in the TextMate grammars compiles with Oniguruma (the engine VS Code uses), including
//   rules that no test file reaches;
// - every regular expression in language-configuration.json compiles as a JavaScript RegExp (what VS Code uses
//   there), and the docstring onEnterRule continues `///` lines but not `////` ones.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const oniguruma = require('vscode-oniguruma');
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));

await oniguruma.loadWASM(fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer);

let checked = 0;
const pkg = readJson('package.json');
const files = [
  pkg.main,
  ...pkg.contributes.languages.map((l) => l.configuration),
  ...pkg.contributes.grammars.map((g) => g.path),
].map((f) => f.replace(/^\.\//, ''));
for (const f of files) {
  if (f.startsWith('out/')) continue; // built later
  assert.ok(fs.existsSync(path.join(root, f)), `package.json names ${f}, which does not exist`);
}
assert.deepEqual(pkg.contributes.languages[0].extensions, ['.pw']);
for (const cmd of ['paw.restartServer', 'paw.buildFunction']) {
  assert.ok(pkg.contributes.commands.some((c) => c.command === cmd), `command ${cmd} is not contributed`);
}
for (const key of ['paw.server.path', 'paw.trace.server']) {
  assert.ok(key in pkg.contributes.configuration.properties, `setting ${key} is not contributed`);
}

function walk(node, where, visit) {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walk(n, `${where}[${i}]`, visit));
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string' && ['match', 'begin', 'end', 'while'].includes(k)) {
        visit(v, `${where}.${k}`);
      } else {
        walk(v, `${where}.${k}`, visit);
      }
    }
  }
}

for (const g of pkg.contributes.grammars) {
  const grammar = readJson(g.path.replace(/^\.\//, ''));
  assert.equal(grammar.scopeName, g.scopeName, `${g.path}: scopeName`);
  walk(grammar, g.path, (re, where) => {
    // Back-references to begin captures (\1 in an end/while) are filled in before compiling; stub them here.
    const source = re.replace(/\\(\d+)(?!\d)/g, (m, d) => (where.endsWith('.end') || where.endsWith('.while') ? 'x' : m));
    try {
      const s = new oniguruma.OnigScanner([source]);
      s.dispose();
    } catch (e) {
      throw new Error(`${where}: the regex /${re}/ does not compile: ${e.message}`);
    }
    checked++;
  });
  // Every #include of the repository resolves.
  const repo = grammar.repository ?? {};
  JSON.stringify(grammar, (k, v) => {
    if (k === 'include' && typeof v === 'string' && v.startsWith('#')) {
      assert.ok(v.slice(1) in repo, `${g.path}: include ${v} names no repository rule`);
    }
    return v;
  });
}

const lc = readJson('language-configuration.json');
const jsRegexes = [
  lc.wordPattern,
  lc.indentationRules.increaseIndentPattern,
  lc.indentationRules.decreaseIndentPattern,
  lc.folding.markers.start,
  lc.folding.markers.end,
  ...lc.onEnterRules.map((r) => r.beforeText),
];
for (const re of jsRegexes) {
  new RegExp(re); // throws on a bad pattern
  checked++;
}
const doc = new RegExp(lc.onEnterRules[0].beforeText);
assert.ok(doc.test('/// >>> route("x")'), 'onEnter: a docstring line continues');
assert.ok(doc.test('    /// Indented docs'), 'onEnter: an indented docstring line continues');
assert.ok(!doc.test('//// not docs'), 'onEnter: four slashes do not continue as a docstring');
assert.ok(!doc.test('let x = 1; // note'), 'onEnter: a trailing line comment does not continue');
const inc = new RegExp(lc.indentationRules.increaseIndentPattern);
assert.ok(inc.test('fn main() {'), 'indent after {');
assert.ok(!inc.test('let s = "{x}";'), 'no indent after a string with braces');
assert.ok(!inc.test('// a comment {'), 'no indent after a commented brace');

console.log(`check-json: ok (${checked} regexes compiled, ${files.length} contributed files checked)`);
