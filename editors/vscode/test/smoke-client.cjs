// Runs the bundled extension (out/extension.js) in plain Node against a mocked `vscode` module, with
// test/fake-pawc.mjs as the server: activation starts `<paw.server.path> lsp` and completes the LSP handshake,
// paw.buildFunction sends workspace/executeCommand `paw.build` with the file and cursor position,
// paw.restartServer restarts the server, and a missing executable produces the "not found" error message.
// No VS Code is needed; the mock only models the parts of the API the extension and vscode-languageclient use.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');

const root = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paw-smoke-'));
const logFile = path.join(tmp, 'server.log');
process.env.FAKE_PAWC_LOG = logFile;

// ---- a minimal vscode API -------------------------------------------------------------------------------------
const messages = [];
const commands = new Map();
let settings = {};
const noop = () => {};
const disposable = () => ({ dispose: noop });
// Anything not modelled below is a harmless no-op that returns a disposable-like, chainable value.
const deep = () =>
  new Proxy(function () {}, {
    get: (_t, prop) => (prop === 'then' ? undefined : prop === 'dispose' ? noop : deep()),
    apply: () => deep(),
  });
class EventEmitter {
  constructor() { this.listeners = []; this.event = (l) => { this.listeners.push(l); return disposable(); }; }
  fire(e) { this.listeners.forEach((l) => l(e)); }
  dispose() { this.listeners = []; }
}
class Uri {
  constructor(scheme, fsPath) { this.scheme = scheme; this.fsPath = fsPath; this.path = fsPath; }
  static file(p) { return new Uri('file', p); }
  static parse(s) { return new Uri(s.split(':')[0], s.replace(/^file:\/\//, '')); }
  toString() { return `${this.scheme}://${this.fsPath}`; }
  with() { return this; }
}
class Position { constructor(line, character) { this.line = line; this.character = character; } }
const channel = () => ({ append: noop, appendLine: noop, replace: noop, clear: noop, show: noop, hide: noop, dispose: noop, name: 'paw' });
const doc = {
  uri: Uri.file(path.join(tmp, 'main.pw')), languageId: 'paw', version: 1, isDirty: false, isClosed: false,
  getText: () => 'fuzzy fn f(x: str) -> bool\n', lineCount: 1, fileName: path.join(tmp, 'main.pw'), save: async () => true,
};
const vscode = new Proxy({
  version: '1.85.0',
  env: { language: 'en', appName: 'smoke', machineId: 'x', sessionId: 'x', uiKind: 1, remoteName: undefined },
  Uri, Position, EventEmitter,
  Disposable: class { constructor(f) { this.dispose = f ?? noop; } static from(...ds) { return { dispose: () => ds.forEach((d) => d?.dispose?.()) }; } },
  CancellationTokenSource: class { constructor() { this.token = { isCancellationRequested: false, onCancellationRequested: () => disposable() }; } cancel() {} dispose() {} },
  StatusBarAlignment: { Left: 1, Right: 2 }, ProgressLocation: { Notification: 15, Window: 10 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  commands: {
    registerCommand: (id, fn) => { commands.set(id, fn); return { dispose: () => commands.delete(id) }; },
    executeCommand: async (id, ...args) => (commands.has(id) ? commands.get(id)(...args) : undefined),
    getCommands: async () => [...commands.keys()],
  },
  window: new Proxy({
    createOutputChannel: channel,
    createStatusBarItem: () => ({ show: noop, hide: noop, dispose: noop }),
    showErrorMessage: async (m) => { messages.push(['error', m]); return undefined; },
    showWarningMessage: async (m) => { messages.push(['warning', m]); return undefined; },
    showInformationMessage: async (m) => { messages.push(['info', m]); return undefined; },
    withProgress: async (_o, task) => task({ report: noop }, { isCancellationRequested: false, onCancellationRequested: () => disposable() }),
    activeTextEditor: { document: doc, selection: { active: new Position(0, 12) } },
    visibleTextEditors: [],
    onDidChangeActiveTextEditor: () => disposable(),
    onDidChangeVisibleTextEditors: () => disposable(),
  }, { get: (t, p) => (p in t ? t[p] : deep()) }),
  workspace: new Proxy({
    workspaceFolders: undefined,
    textDocuments: [],
    getConfiguration: (section) => ({
      get: (key, dflt) => { const k = section ? `${section}.${key}` : key; return k in settings ? settings[k] : dflt; },
      has: () => false, inspect: () => undefined, update: async () => {},
    }),
    onDidChangeConfiguration: () => disposable(),
    createFileSystemWatcher: () => ({ onDidCreate: () => disposable(), onDidChange: () => disposable(), onDidDelete: () => disposable(), dispose: noop }),
    getWorkspaceFolder: () => undefined,
  }, { get: (t, p) => (p in t ? t[p] : deep()) }),
}, { get: (t, p) => (p in t ? t[p] : deep()) });

const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : origResolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

// ---- the checks -------------------------------------------------------------------------------------------------
const serverLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
const waitFor = async (what, pred, ms = 10000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; server log:\n${serverLog()}\nmessages: ${JSON.stringify(messages)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

(async () => {
  const ext = require(path.join(root, 'out', 'extension.js'));
  const context = { subscriptions: [], extensionPath: root, asAbsolutePath: (p) => path.join(root, p) };

  // 1. A missing executable: a clear error, no crash.
  settings = { 'paw.server.path': path.join(tmp, 'no-such-pawc') };
  await ext.activate(context);
  assert.ok(messages.some(([k, m]) => k === 'error' && /was not found/.test(m) && /paw\.server\.path/.test(m)),
    `expected a "not found" error, got ${JSON.stringify(messages)}`);
  assert.ok(commands.has('paw.restartServer') && commands.has('paw.buildFunction'));

  // 2. The configured server starts and completes the handshake.
  settings = { 'paw.server.path': path.join(root, 'test', 'fake-pawc.mjs') };
  messages.length = 0;
  await commands.get('paw.restartServer')();
  await waitFor('initialized', () => serverLog().includes('initialized'));
  assert.match(serverLog(), /^initialize$/m);

  // 3. paw.buildFunction -> workspace/executeCommand paw.build with the document and cursor.
  await commands.get('paw.buildFunction')();
  const exec = serverLog().split('\n').find((l) => l.startsWith('workspace/executeCommand '));
  assert.ok(exec, `no executeCommand reached the server:\n${serverLog()}`);
  const params = JSON.parse(exec.slice('workspace/executeCommand '.length));
  assert.equal(params.command, 'paw.build');
  assert.deepEqual(params.arguments[0].position, { line: 0, character: 12 });
  assert.match(params.arguments[0].textDocument.uri, /main\.pw$/);
  assert.ok(messages.some(([k, m]) => k === 'info' && m.includes('built sms_is_spam')), JSON.stringify(messages));

  // 4. Restart: the old server is shut down, a new one initialized.
  fs.writeFileSync(logFile, '');
  await commands.get('paw.restartServer')();
  await waitFor('restart', () => /shutdown[\s\S]*exit[\s\S]*initialized/.test(serverLog()));

  await ext.deactivate();
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('smoke-client: ok (missing server reported; handshake; paw.build sent; restart)');
  process.exit(0);
})().catch((e) => {
  console.error('smoke-client: FAILED\n', e);
  process.exit(1);
});
