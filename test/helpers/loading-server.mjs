// Fault injection in front of a real language server (used by the tests, never by the engine): it starts
// the server given after `--` and relays LSP messages both ways, except that answers to anything but
// `initialize` are held back until --load-ms after start (a project that takes long to load). With
// --progress-ms it sends `$/progress` notifications meanwhile, as servers do while loading. With --log FILE it
// appends the method of every message from the client to FILE, one per line. With --swallow=N the server's
// answer to the client's N-th request (1-based, `initialize` included) is never passed on: a request stuck
// on the server.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const sep = process.argv.indexOf('--');
const opts = Object.fromEntries(process.argv.slice(2, sep).map((a) => a.replace(/^--/, '').split('=')));
const [command, ...args] = process.argv.slice(sep + 1);
const loadMs = Number(opts['load-ms'] ?? 0);
const progressMs = Number(opts['progress-ms'] ?? 0);
const started = Date.now();
const server = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
server.on('exit', (code) => process.exit(code ?? 1));
process.stdin.on('end', () => server.stdin.end());

/** Splits a byte stream into LSP messages. */
function reader(onMessage) {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      buffer = buffer.subarray(end + 4 + length);
      onMessage(JSON.parse(body));
    }
  };
}
const frame = (message) => {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
};

const initializeIds = new Set();
const swallowed = new Set();
let requests = 0;
process.stdin.on('data', reader((m) => {
  if (opts.log && m.method) appendFileSync(opts.log, `${m.method}\n`);
  if (m.method === 'initialize') initializeIds.add(m.id);
  if (m.method && m.id !== undefined && ++requests === Number(opts.swallow)) swallowed.add(m.id);
  server.stdin.write(frame(m));
}));
const held = [];
const loaded = () => Date.now() - started >= loadMs;
server.stdout.on('data', reader((m) => {
  const isAnswer = m.id !== undefined && m.method === undefined;
  if (isAnswer && swallowed.has(m.id)) return;
  if (isAnswer && !initializeIds.has(m.id) && !loaded()) held.push(m);
  else process.stdout.write(frame(m));
}));
const tick = setInterval(() => {
  if (loaded()) {
    for (const m of held.splice(0)) process.stdout.write(frame(m));
    if (progressMs) process.stdout.write(frame({ jsonrpc: '2.0', method: '$/progress', params: { token: 'load', value: { kind: 'end' } } }));
    clearInterval(tick);
  } else if (progressMs && Date.now() - started > 100) {
    process.stdout.write(frame({ jsonrpc: '2.0', method: '$/progress', params: { token: 'load', value: { kind: 'report', message: 'loading' } } }));
  }
}, progressMs || 50);
