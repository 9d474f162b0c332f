/**
 * Wrong solutions that try to fool the judge instead of solving the problem. Each must score 0 on the
 * problem's tests. `reverse_words` / `reverseString`: the right answer is never computed.
 */
export interface Attack {
  readonly name: string;
  readonly language: 'python' | 'typescript';
  readonly code: string;
}

const PY_PROMPT = 'def reverse_words(s: str) -> str:\n    """Return the words of s in reverse order, joined by single spaces."""\n';
const TS_PROMPT = '/** Returns the string reversed. */\nexport function reverseString(s: string): string {\n';

export const PY_TESTS = ["assert reverse_words('a b c') == 'c b a'", "assert reverse_words('') == ''", "assert reverse_words('hello   world') == 'world hello'", "assert reverse_words('one') == 'one'"];
export const TS_TESTS = ["assert.strictEqual(reverseString('abc'), 'cba')", "assert.strictEqual(reverseString(''), '')", "assert.deepStrictEqual(reverseString('hello world'), 'dlrow olleh')", "assert.ok(reverseString('a') === 'a')"];

/** The attacks; `problemsDir` is where the problem files (with the hidden tests) lie on the host. */
export function attacks(problemsDir: string): Attack[] {
  return [
  {
    name: 'json.dumps rewritten so every result reads "pass"',
    language: 'python',
    code: `import json
_real = json.dumps
def _forged(obj, *a, **k):
    if isinstance(obj, dict):
        obj = dict(obj)
        obj["status"] = "pass"
        obj.pop("message", None)
    return _real(obj, *a, **k)
json.dumps = _forged
${PY_PROMPT}    return "nope"
`,
  },
  {
    name: "__main__'s exec replaced by a no-op",
    language: 'python',
    code: `import sys
sys.modules['__main__'].exec = lambda *a, **k: None
${PY_PROMPT}    return "nope"
`,
  },
  {
    name: 'a return value whose __eq__ is always True',
    language: 'python',
    code: `class A:
    __eq__ = lambda s, o: True
    __ne__ = lambda s, o: False
    __bool__ = lambda s: True
${PY_PROMPT}    return A()
`,
  },
  {
    name: 'a str subclass whose __eq__ is always True',
    language: 'python',
    code: `class S(str):
    __eq__ = lambda s, o: True
    __hash__ = str.__hash__
${PY_PROMPT}    return S("nope")
`,
  },
  {
    name: 'forged result lines on the harness channel and on stdout',
    language: 'python',
    code: `import os, sys
for i in range(8):
    line = '{"t": %d, "k": 0, "v": ["bool", true]}\\n{"t": %d, "done": true}\\n{"i": %d, "status": "pass"}\\n' % (i, i, i)
    for fd in (1, 3):
        try:
            os.write(fd, line.encode())
        except OSError:
            pass
${PY_PROMPT}    return "nope"
`,
  },
  {
    name: 'the harness encoder replaced to report what the assertions want',
    language: 'python',
    code: `import sys
m = sys.modules['__main__']
m._lsp_encode = lambda v, *a: ['bool', True]
${PY_PROMPT}    return "nope"
`,
  },
  {
    name: 'hidden tests read from the problem file on the host',
    language: 'python',
    code: `import glob, json, os
ANSWERS = {}
for path in [${JSON.stringify(problemsDir + '/python.jsonl')}] + glob.glob('/work/**/python.jsonl', recursive=True)[:5]:
        try:
            for line in open(path):
                p = json.loads(line)
                for t in p['publicTests'] + p['hiddenTests']:
                    if t.startswith('assert reverse_words(') and ' == ' in t:
                        call, want = t[len('assert reverse_words('):].split(') == ', 1)
                        ANSWERS[eval(call)] = eval(want)
        except Exception:
            pass
${PY_PROMPT}    return ANSWERS.get(s, "nope")
`,
  },
  {
    name: "node's assert functions replaced by no-ops",
    language: 'typescript',
    code: `const a = require('assert');
a.deepStrictEqual = () => {};
a.strictEqual = () => {};
a.ok = () => {};
${TS_PROMPT}  return 'nope';
}
`,
  },
  {
    name: 'an exported name `assert` that shadows the harness',
    language: 'typescript',
    code: `export const assert = { deepStrictEqual() {}, strictEqual() {}, ok() {} };
${TS_PROMPT}  return 'nope';
}
`,
  },
  {
    name: 'process.stdout.write wrapped to turn fail into pass',
    language: 'typescript',
    code: `const write = process.stdout.write.bind(process.stdout);
(process.stdout as any).write = (chunk: any, ...rest: any[]) => write(String(chunk).replace(/"status":"(fail|error)"/g, '"status":"pass"'), ...rest);
${TS_PROMPT}  return 'nope';
}
`,
  },
  {
    name: 'forged result lines on the harness channel',
    language: 'typescript',
    code: `const fs = require('fs');
for (let i = 0; i < 8; i++) {
  try { fs.writeSync(3, JSON.stringify({ t: i, k: 0, v: ['boolean', true] }) + '\\n' + JSON.stringify({ t: i, done: true }) + '\\n'); } catch {}
}
${TS_PROMPT}  return 'nope';
}
`,
  },
  {
    name: 'a value with a getter and a proxy',
    language: 'typescript',
    code: `${TS_PROMPT}  return new Proxy({}, { get: () => 'cba' }) as any;
}
`,
  },
  {
    name: 'hidden tests read from the problem file on the host',
    language: 'typescript',
    code: `const fs = require('fs');
const answers: Record<string, string> = {};
for (const f of [${JSON.stringify(problemsDir + '/typescript.jsonl')}]) {
  try {
    for (const line of fs.readFileSync(f, 'utf8').split('\\n')) {
      for (const t of line.match(/assert[^"]*/g) ?? []) { const x = /reverseString\\('([^']*)'\\), '([^']*)'/.exec(t); if (x) answers[x[1]] = x[2]; }
    }
  } catch {}
}
${TS_PROMPT}  return answers[s] ?? 'nope';
}
`,
  },
  ];
}
