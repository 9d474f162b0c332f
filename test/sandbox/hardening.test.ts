import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { OutputCap } from '../../src/sandbox/output-cap.js';
import { runSandboxed } from '../../src/sandbox/sandbox.js';
import { runTests } from '../../src/sandbox/test-runner.js';
import { childProcesses } from '../../src/util/process.js';

const scratch = mkdtempSync(join(tmpdir(), 'lsp-codegen-hardening-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Direct and indirect children of `pid` (from /proc). */
function descendants(pid: number): number[] {
  return childProcesses(pid).flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};

async function until(what: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return what();
}

describe('sandbox hardening (real bubblewrap)', () => {
  it('starts the program with an empty environment: a secret of the caller never comes back', async () => {
    process.env['LSP_CODEGEN_TEST_SECRET'] = 'hunter2-do-not-leak';
    try {
      const py = await runTests({ language: 'python', code: 'import os\ndef f():\n    raise ValueError(repr(dict(os.environ)))\n', tests: ['assert f() == 1'] });
      expect(py.tests[0]!.message).toMatch(/ValueError/);
      expect(py.tests[0]!.message).not.toMatch(/hunter2/);
      const ts = await runTests({ language: 'typescript', code: 'export function f() { throw new Error(JSON.stringify(process.env)); }', tests: ['assert.strictEqual(f(), 1)'] });
      expect(ts.tests[0]!.message).toMatch(/PATH/);
      expect(ts.tests[0]!.message).not.toMatch(/hunter2/);
    } finally {
      delete process.env['LSP_CODEGEN_TEST_SECRET'];
    }
  });

  it('caps what a run may write (work dir, /tmp, /dev/shm)', async () => {
    const code = `def f(where):
    written = 0
    try:
        with open(where + '/big', 'wb') as out:
            for _ in range(400):
                out.write(b'x' * 2**20)
                out.flush()
                written += 1
    except OSError as e:
        return ('stopped', written)
    return ('wrote', written)
`;
    const r = await runTests({ language: 'python', code, tests: ["assert f('/work') == ('wrote', 400)", "assert f('/tmp') == ('wrote', 400)", "assert f('/dev/shm') == ('wrote', 400)"] }, { timeoutMs: 20_000 });
    for (const t of r.tests) expect(t).toMatchObject({ status: 'fail', message: expect.stringMatching(/got \('stopped', (\d+)\)/) });
    for (const t of r.tests) expect(Number(/'stopped', (\d+)/.exec(t.message!)![1])).toBeLessThanOrEqual(32);
  });

  it('creates no work directory on the host: what a run writes stays in its own RAM-backed mounts', async () => {
    const dir = mkdtempSync(join(scratch, 'tmp-'));
    // The parent watches its temp folder all through a run that writes in /work and takes a while.
    const script = `const { readdirSync } = await import('node:fs');
const { runTests } = await import(${JSON.stringify(join(packageRoot(), 'dist/src/sandbox/test-runner.js'))});
const seen = new Set();
const poll = setInterval(() => { for (const n of readdirSync(${JSON.stringify(dir)})) seen.add(n); }, 10);
const r = await runTests({ language: 'python', code: 'import time\\ndef f():\\n    open("/work/out", "w").write("x" * 100000)\\n    time.sleep(0.5)\\n    return 1\\n', tests: ['assert f() == 1'] });
clearInterval(poll);
console.log(JSON.stringify({ tests: r.tests, seen: [...seen] }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TMPDIR: dir }, timeout: 60_000 });
    const out = JSON.parse(r.stdout);
    expect(out.tests).toEqual([{ status: 'pass' }]);
    expect(out.seen).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGKILL'] as const)('an interrupted run-tests (%s) leaves no process and no folder behind', async (signal) => {
    const dir = mkdtempSync(join(scratch, 'sig-'));
    const problem = join(dir, 'p.jsonl');
    writeFileSync(problem, JSON.stringify({ id: 'spin', language: 'python', path: 'p.py', prompt: 'def f():\n', entryPoint: 'f', publicTests: ['assert f() == 1'], hiddenTests: ['assert f() == 1'] }) + '\n');
    const solution = join(dir, 'body.py');
    writeFileSync(solution, '    open("/work/junk", "wb").write(b"x" * 2**20)\n    while True:\n        pass\n');
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const cli = spawn(process.execPath, [join(packageRoot(), 'dist/src/cli/main.js'), 'run-tests', '--problem', problem, '--solution', solution, '--body', '--timeout', '60000'], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => cli.on('exit', r));
    // Wait until the candidates are running (two sandboxes: public and hidden tests).
    let sandboxed: number[] = [];
    const isPython = (pid: number) => {
      try {
        return /^(\S*\/)?python/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
      } catch {
        return false; // gone meanwhile
      }
    };
    expect(await until(() => (sandboxed = descendants(cli.pid!)).filter(isPython).length >= 2, 60_000)).toBe(true);
    cli.kill(signal);
    await exited;
    expect(await until(() => sandboxed.every((p) => !alive(p)), 10_000)).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a caller that exits in the first milliseconds of its runs leaves no candidate running', async () => {
    // bubblewrap arms --die-with-parent only once its child is set up; a caller gone before that must still
    // take the run down with it. Exits land at many points of the start-up.
    const marker = `lsp-codegen-orphan-${process.pid}-${Date.now()}`;
    const script = `const { runSandboxed } = await import(${JSON.stringify(join(packageRoot(), 'dist/src/sandbox/sandbox.js'))});
const delay = Number(process.argv[1]);
for (let i = 0; i < 3; i++) runSandboxed({ files: {}, command: ['python3', '-c', 'while True: pass  # ${marker}'], timeoutMs: 60_000 }).catch(() => undefined);
setTimeout(() => process.exit(0), delay);`;
    const running = () =>
      readdirSync('/proc').filter((e) => {
        if (!/^\d+$/.test(e)) return false;
        try {
          return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker) && alive(Number(e));
        } catch {
          return false;
        }
      });
    for (const delay of [0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200]) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, String(delay)], { timeout: 60_000 });
      expect(r.status).toBe(0);
    }
    expect(await until(() => running().length === 0, 10_000), `still running: ${running().join(', ')}`).toBe(true);
  });

  it('kills a run at once when its output passes the cap, even when a chunk ends exactly on it', async () => {
    const cap = new OutputCap(10);
    expect(cap.take(4)).toEqual({ keep: 4, overflow: false });
    expect(cap.take(6)).toEqual({ keep: 6, overflow: false });
    expect(cap.take(1)).toEqual({ keep: 0, overflow: true });
    const exact = new OutputCap(8);
    expect(exact.take(8)).toEqual({ keep: 8, overflow: false });
    expect(exact.take(3)).toEqual({ keep: 0, overflow: true });
    // A flood of chunks of exactly the cap's size: killed for output, long before the time limit.
    const r = await runSandboxed({ files: {}, command: ['python3', '-c', 'import os\nwhile True: os.write(1, b"x" * 4096)'], outputLimitBytes: 4096, timeoutMs: 30_000 });
    expect(r.end).toBe('output-limit');
    expect(r.stdout.length).toBe(4096);
  });

  it("blocks Python's _posixsubprocess.fork_exec reached through a built-in module spec", async () => {
    const code = `import importlib.util
def f():
    spec = importlib.util.find_spec('_posixsubprocess')
    mod = importlib.util.module_from_spec(spec)
    r, w = __import__('os').pipe()
    # Python 3.11's signature, as subprocess.Popen calls it.
    return mod.fork_exec([b'/usr/bin/id'], [b'/usr/bin/id'], True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, None, -1, None, False)
`;
    const r = await runTests({ language: 'python', code, tests: ['assert f() == 0', 'assert f()'] });
    expect(r.tests.map((t) => t.status)).toEqual(['error', 'error']);
    expect(r.tests[0]!.message).toMatch(/PermissionError|Operation not permitted|OSError/);
    // Threads still work under the process filter.
    const threads = await runTests({ language: 'python', code: 'import threading\ndef f():\n    out = []\n    t = threading.Thread(target=lambda: out.append(1))\n    t.start(); t.join()\n    return out\n', tests: ['assert f() == [1]'] });
    expect(threads.passed).toBe(1);
  });

  it('shows the program nothing of the host but /usr: not the project, not the problem files', async () => {
    const root = packageRoot();
    const code = 'import os\ndef f(p):\n    return os.path.exists(p)\ndef g():\n    return sorted({"etc", "home", "var", "opt", "srv", "mnt", "boot", "run"} & set(os.listdir("/")))\n';
    const r = await runTests({ language: 'python', code, tests: [`assert not f(${JSON.stringify(root)})`, "assert not f('/etc/passwd')", 'assert g() == []'] });
    expect(r.tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass']);
  });
});
