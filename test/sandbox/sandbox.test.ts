import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { runSandboxed } from '../../src/sandbox/sandbox.js';
import { runTests } from '../../src/sandbox/test-runner.js';

const marker = `/tmp/lsp-codegen-escape-${process.pid}`;

describe('sandboxed test runs (real bubblewrap)', () => {
  it('scores a correct and a wrong program right, per test', async () => {
    const tests = ['assert.strictEqual(add(1, 2), 3)', 'assert.strictEqual(add(5, 0), 5)'];
    const ok = await runTests({ language: 'typescript', code: 'export function add(a: number, b: number): number { return a + b; }', tests });
    expect(ok).toMatchObject({ passed: 2, passRate: 1, end: 'exit' });
    const wrong = await runTests({ language: 'typescript', code: 'export function add(a: number, b: number): number { return a - b; }', tests });
    expect(wrong.tests.map((t) => t.status)).toEqual(['fail', 'pass']);
    const py = await runTests({ language: 'python', code: 'def add(a, b):\n    return a * b\n', tests: ['assert add(2, 2) == 4', 'assert add(1, 2) == 3', 'add()'] });
    expect(py.tests.map((t) => t.status)).toEqual(['pass', 'fail', 'error']);
  });

  it('reports a program that does not compile or load as failing every test', async () => {
    const ts = await runTests({ language: 'typescript', code: 'export function f( { return', tests: ['f()', 'f()'] });
    expect(ts).toMatchObject({ passed: 0, passRate: 0 });
    expect(ts.loadError).toMatch(/syntax error/);
    const py = await runTests({ language: 'python', code: 'def f(:\n', tests: ['f()'] });
    expect(py.loadError).toMatch(/SyntaxError/);
    const throws = await runTests({ language: 'javascript', code: 'throw new Error("at load")', tests: ['1'] });
    expect(throws.loadError).toMatch(/at load/);
  });

  it.each([
    ['an infinite loop', 'typescript', 'export function f() { for (;;) {} }', ['f()', 'assert.ok(true)'], 'timeout'],
    ['an infinite loop', 'python', 'def f():\n    while True:\n        pass\n', ['f()'], 'timeout'],
    ['a memory bomb', 'typescript', 'export function f() { const a = []; for (;;) a.push(new Array(1e6).fill(7)); }', ['f()'], 'any'],
    ['a memory bomb', 'python', 'def f():\n    a = []\n    while True:\n        a.append(bytearray(10**7))\n', ['f()'], 'any'],
    ['a fork attempt', 'typescript', 'import { execSync } from "node:child_process";\nexport function f() { return execSync("id").toString(); }', ['f()'], 'any'],
    ['a fork attempt', 'python', 'import os\ndef f():\n    return os.fork()\n', ['f()'], 'any'],
    ['a subprocess', 'python', 'import subprocess\ndef f():\n    return subprocess.run(["id"]).returncode\n', ['f()'], 'any'],
    ['process.exit', 'typescript', 'export function f() { process.exit(0); }', ['assert.ok(true)', 'f()', 'assert.ok(true)'], 'any'],
    ['sys.exit / os._exit', 'python', 'import os\ndef f():\n    os._exit(0)\n', ['f()', 'assert True'], 'any'],
    ['writing to /etc', 'typescript', 'import { writeFileSync } from "node:fs";\nexport function f() { writeFileSync("/etc/lsp-codegen-pwned", "x"); }', ['f()'], 'any'],
    ['writing to /etc', 'python', 'def f():\n    open("/etc/lsp-codegen-pwned", "w").write("x")\n', ['f()'], 'any'],
    ['opening a socket', 'typescript', 'import { connect } from "node:net";\nexport async function f() { await new Promise((ok, no) => { const s = connect(22, "127.0.0.1"); s.on("connect", ok); s.on("error", no); }); }', ['await f()'], 'any'],
    ['opening a socket', 'python', 'import socket\ndef f():\n    socket.create_connection(("127.0.0.1", 22), timeout=1)\n', ['f()'], 'any'],
    ['an output flood', 'typescript', 'export function f() { for (;;) console.log("spam ".repeat(100)); }', ['f()'], 'any'],
  ])('contains %s (%s) and reports it as a failure', async (_what, language, code, tests, expectedEnd) => {
    const started = Date.now();
    const r = await runTests({ language: language as 'typescript' | 'python', code, tests }, { timeoutMs: 2000, memoryMb: 512 });
    expect(r.tests.some((t) => t.status !== 'pass')).toBe(true);
    const attack = tests.findIndex((t) => t.includes('f()'));
    expect(r.tests[attack]!.status).not.toBe('pass');
    if (expectedEnd !== 'any') expect(r.end).toBe(expectedEnd);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync('/etc/lsp-codegen-pwned')).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('gives the program a private /tmp: what it writes there never reaches the host', async () => {
    const r = await runTests({ language: 'python', code: `def f():\n    open("${marker}", "w").write("x")\n    return open("${marker}").read()\n`, tests: ['assert f() == "x"'] });
    expect(r.passed).toBe(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('caps output and reports it', async () => {
    const r = await runSandboxed({ files: {}, command: ['sh', '-c', 'yes spam'], outputLimitBytes: 10_000, timeoutMs: 3000 });
    expect(r.end).toBe('output-limit');
    expect(r.stdout.length).toBeLessThanOrEqual(10_000);
  });

  it('kills the whole process tree at the time limit', async () => {
    // A duration no other process on the machine uses, so only this run's sleepers can match.
    const mine = `sleep 30.${process.pid}${Date.now() % 100000}`;
    const r = await runSandboxed({ files: {}, command: ['sh', '-c', `${mine} & ${mine} & wait`], timeoutMs: 500 });
    expect(r.end).toBe('timeout');
    const left = spawnSync('pgrep', ['-f', mine], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  });

  it('runs several candidates in parallel', async () => {
    // Each run notes when it started and ended (nanoseconds); in parallel, every run starts before any ends.
    const runs = await Promise.all(Array.from({ length: 4 }, () => runSandboxed({ files: {}, command: ['sh', '-c', 'date +%s%N; sleep 1; date +%s%N'] })));
    expect(runs.every((r) => r.end === 'exit' && r.exitCode === 0)).toBe(true);
    const spans = runs.map((r) => r.stdout.trim().split('\n').map(BigInt));
    const lastStart = spans.reduce((m, [start]) => (start! > m ? start! : m), 0n);
    const firstEnd = spans.reduce((m, [, end]) => (end! < m ? end! : m), spans[0]![1]!);
    expect(lastStart < firstEnd).toBe(true);
  });

  it('fails loudly, with the package to install, when bubblewrap is missing', () => {
    const script = `import(${JSON.stringify(join(packageRoot(), 'dist/src/sandbox/sandbox.js'))}).then((m) => m.checkSandboxTools()).catch((e) => { console.log(e.message); process.exit(3); })`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/needs "bwrap".*bubblewrap/);
  });
});
