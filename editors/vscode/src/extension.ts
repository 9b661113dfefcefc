// The paw extension: a language client for `pawc lsp` (stdio), plus two commands.
//
// Highlighting and editing behaviour (comments, brackets, docstring continuation) come from the static grammar and
// language configuration and work without the server. Everything semantic (diagnostics, hover, completion, ...)
// comes from `pawc lsp`.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

const CLIENT_ID = 'paw';
const CLIENT_NAME = 'paw Language Server';

/** The server-side command that builds one fuzzy function (implemented by `pawc lsp`). */
export const BUILD_COMMAND = 'paw.build';

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel;
let traceChannel: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  traceChannel = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  statusItem.name = 'paw';
  statusItem.command = 'paw.showOutput';
  context.subscriptions.push(outputChannel, traceChannel, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('paw.restartServer', async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.commands.registerCommand('paw.showOutput', () => outputChannel.show(true)),
    vscode.commands.registerCommand('paw.buildFunction', buildFunctionAtCursor),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('paw.server')) {
        const choice = await vscode.window.showInformationMessage(
          'The paw server settings changed. Restart the language server to apply them?',
          'Restart',
        );
        if (choice === 'Restart') {
          await vscode.commands.executeCommand('paw.restartServer');
        }
      }
    }),
  );

  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

/**
 * Resolves the configured server path to an executable file, or returns undefined if there is none.
 * A bare name (`pawc`) is searched on PATH; a path with a separator is taken as is, relative paths against the
 * first workspace folder; `~` is expanded.
 */
export function resolveServerPath(configured: string): string | undefined {
  let p = configured.trim();
  if (p === '') {
    p = 'pawc';
  }
  if (p.startsWith('~')) {
    p = path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', p.slice(1));
  }
  const isWindows = process.platform === 'win32';
  const exts = isWindows ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const isExecutable = (file: string): boolean => {
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) {
        return false;
      }
      if (!isWindows) {
        fs.accessSync(file, fs.constants.X_OK);
      }
      return true;
    } catch {
      return false;
    }
  };
  const withExts = (base: string): string | undefined => {
    for (const ext of exts) {
      if (isExecutable(base + ext)) {
        return base + ext;
      }
    }
    return undefined;
  };

  if (p.includes('/') || p.includes('\\')) {
    if (!path.isAbsolute(p)) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      p = path.resolve(folder ?? process.cwd(), p);
    }
    return withExts(p);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') {
      continue;
    }
    const found = withExts(path.join(dir, p));
    if (found) {
      return found;
    }
  }
  return undefined;
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('paw');
  const configured = config.get<string>('server.path', 'pawc');
  const extraArgs = config.get<string[]>('server.extraArgs', []);
  const command = resolveServerPath(configured);

  if (!command) {
    setStatus('error', `pawc not found: ${configured}`);
    outputChannel.appendLine(
      `[paw] Could not find the paw language server executable "${configured}". ` +
        'Install pawc (cargo install --path compiler) or set "paw.server.path". ' +
        'Syntax highlighting keeps working without it.',
    );
    const choice = await vscode.window.showErrorMessage(
      `paw: the language server executable "${configured}" was not found. ` +
        'Install pawc and make sure it is on PATH, or set "paw.server.path" to its full path.',
      'Open Settings',
      'Retry',
    );
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'paw.server.path');
    } else if (choice === 'Retry') {
      await startClient(context);
    }
    return;
  }

  const serverOptions: ServerOptions = {
    run: { command, args: ['lsp', ...extraArgs], transport: TransportKind.stdio },
    debug: {
      command,
      args: ['lsp', ...extraArgs],
      transport: TransportKind.stdio,
      options: { env: { ...process.env, RUST_BACKTRACE: '1' } },
    },
  };

  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'paw' },
      { scheme: 'untitled', language: 'paw' },
    ],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.pw'),
        vscode.workspace.createFileSystemWatcher('**/paw.toml'),
        // Build artifacts: lets the server refresh a fuzzy fn's build state (built / stale / never built).
        vscode.workspace.createFileSystemWatcher('**/.paw/**'),
      ],
    },
    outputChannel,
    traceOutputChannel: traceChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  newClient.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      setStatus('ok', 'paw');
    } else if (e.newState === State.Starting) {
      setStatus('busy', 'paw: starting');
    } else {
      setStatus('error', 'paw: stopped');
    }
  });
  client = newClient;
  setStatus('busy', 'paw: starting');
  try {
    await newClient.start();
    outputChannel.appendLine(`[paw] Started ${command} lsp`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    setStatus('error', 'paw: failed to start');
    outputChannel.appendLine(`[paw] Failed to start "${command} lsp": ${message}`);
    const choice = await vscode.window.showErrorMessage(
      `paw: could not start the language server "${command} lsp": ${message}`,
      'Show Output',
      'Open Settings',
    );
    if (choice === 'Show Output') {
      outputChannel.show(true);
    } else if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'paw.server.path');
    }
  }
}

async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
  if (!old) {
    return;
  }
  try {
    if (old.isRunning()) {
      await old.stop();
    } else {
      await old.dispose();
    }
  } catch (err) {
    outputChannel.appendLine(`[paw] Error while stopping the server: ${String(err)}`);
  }
}

function setStatus(kind: 'ok' | 'busy' | 'error', text: string): void {
  const icon = kind === 'ok' ? '$(check)' : kind === 'busy' ? '$(sync~spin)' : '$(error)';
  statusItem.text = `${icon} ${text}`;
  statusItem.tooltip = 'paw language server: click to show its output';
  statusItem.show();
}

/**
 * paw.buildFunction: asks the server to build the fuzzy fn under the cursor, via
 * `workspace/executeCommand` with command `paw.build` and one argument
 * `{ textDocument: { uri }, position: { line, character } }` (a TextDocumentPositionParams; zero-based, UTF-16).
 * Unsaved changes are saved first, because `pawc build` reads the files on disk.
 */
async function buildFunctionAtCursor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'paw') {
    void vscode.window.showWarningMessage('paw: open a .pw file and put the cursor on a fuzzy fn to build it.');
    return;
  }
  if (!client || !client.isRunning()) {
    void vscode.window.showErrorMessage(
      'paw: the language server is not running. Run "paw: Restart Language Server" or check "paw.server.path".',
    );
    return;
  }
  const doc = editor.document;
  if (doc.isDirty) {
    await doc.save();
  }
  const pos = editor.selection.active;
  const args = {
    textDocument: { uri: client.code2ProtocolConverter.asUri(doc.uri) },
    position: { line: pos.line, character: pos.character },
  };
  const running = client;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'paw: building fuzzy function', cancellable: false },
      () => running.sendRequest(ExecuteCommandRequest.type, { command: BUILD_COMMAND, arguments: [args] }),
    );
    const summary = describeBuildResult(result);
    void vscode.window.showInformationMessage(summary ? `paw: ${summary}` : 'paw: build finished.');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`paw: build failed: ${message}`);
  }
}

/** The server may answer with a string, or an object with a `message` (and anything else); show what it says. */
function describeBuildResult(result: unknown): string | undefined {
  if (typeof result === 'string') {
    return result;
  }
  if (result && typeof result === 'object' && 'message' in result) {
    const m = (result as { message: unknown }).message;
    if (typeof m === 'string') {
      return m;
    }
  }
  return undefined;
}
