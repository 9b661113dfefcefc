#!/usr/bin/env node
// A stand-in for `pawc lsp` used by test/smoke-client.cjs: speaks just enough LSP over stdio (initialize,
// shutdown, exit, workspace/executeCommand) and appends every method it receives to $FAKE_PAWC_LOG.
import fs from 'node:fs';

if (process.argv[2] !== 'lsp') {
  console.error('usage: fake-pawc lsp');
  process.exit(2);
}
const log = (line) => process.env.FAKE_PAWC_LOG && fs.appendFileSync(process.env.FAKE_PAWC_LOG, line + '\n');
const send = (msg) => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }), 'utf8');
  process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
  process.stdout.write(body);
};
let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) return;
    const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString());
    const len = Number(m[1]);
    if (buf.length < sep + 4 + len) return;
    const msg = JSON.parse(buf.subarray(sep + 4, sep + 4 + len).toString('utf8'));
    buf = buf.subarray(sep + 4 + len);
    handle(msg);
  }
});
function handle(msg) {
  log(`${msg.method}${msg.method === 'workspace/executeCommand' ? ' ' + JSON.stringify(msg.params) : ''}`);
  switch (msg.method) {
    case 'initialize':
      send({
        id: msg.id,
        result: {
          capabilities: { textDocumentSync: 1, executeCommandProvider: { commands: ['paw.build'] } },
          serverInfo: { name: 'fake-pawc', version: '0' },
        },
      });
      break;
    case 'workspace/executeCommand':
      send({ id: msg.id, result: { message: 'built sms_is_spam' } });
      break;
    case 'shutdown':
      send({ id: msg.id, result: null });
      break;
    case 'exit':
      process.exit(0);
      break;
    default:
      if (msg.id !== undefined && msg.method) {
        send({ id: msg.id, result: null });
      }
  }
}
