import { PROBE, type SnippetPlan } from '../judge/plan.js';
import { PYTHON_ENCODER } from '../judge/python-encoder.js';

/**
 * The harnesses that run a candidate's tests inside the sandbox. They hold no expected values and decide
 * nothing: for a judged snippet they run its code and report, on file descriptor 3 (a pipe the judge owns),
 * the tagged value of each probed expression, any exception, and that the snippet finished. Forgeable snippets
 * run with the language's own `assert`, and only their reported status comes back (marked forgeable).
 *
 * Channel lines (JSON): {load} | {setup} | {t, k, v} value of check k of test t | {t, k, e} value refused |
 * {t, x, a} the snippet threw (a: an AssertionError) | {t, done} | {t, legacy, m} | {end}.
 */

/** What the harness needs of a plan: never the checks (their expected values stay outside). */
function harnessPlans(plans: readonly SnippetPlan[]): { judged: boolean; code: string }[] {
  return plans.map((p) => ({ judged: p.kind === 'judged', code: p.code }));
}

/** JavaScript value encoder (see `judge/values.ts`): plain data only, read through the intrinsics captured at start. */
const JS_ENCODER = String.raw`(() => {
  const { isProxy } = require('node:util').types;
  const getProto = Object.getPrototypeOf, ownKeys = Reflect.ownKeys, describe = Object.getOwnPropertyDescriptor;
  const isArray = Array.isArray, is = Object.is, apply = Reflect.apply, toText = String;
  const OP = Object.prototype, AP = Array.prototype, MP = Map.prototype, SP = Set.prototype, DP = Date.prototype, RP = RegExp.prototype;
  const mapForEach = MP.forEach, setForEach = SP.forEach, getTime = DP.getTime;
  const reSource = describe(RP, 'source').get, reFlags = describe(RP, 'flags').get;
  const INDEX = /^(?:0|[1-9][0-9]*)$/;
  class Refused extends Error {}
  return (root) => {
    let count = 0;
    const path = new Set();
    const data = (d, depth) => {
      if ('get' in d || 'set' in d) throw new Refused('the value has a getter or setter');
      return enc(d.value, depth + 1);
    };
    const entries = (v, depth, skip) => {
      const out = [];
      for (const key of ownKeys(v)) {
        if (typeof key !== 'string' || skip(key)) continue;
        const d = describe(v, key);
        if (d && d.enumerable) out.push([key, data(d, depth)]);
      }
      return out;
    };
    const enc = (v, depth) => {
      if (++count > 100000) throw new Refused('the value is too large to judge');
      if (depth > 100) throw new Refused('the value is nested too deeply to judge');
      switch (typeof v) {
        case 'undefined': return ['undefined'];
        case 'boolean': return ['boolean', v];
        case 'number': return ['number', v !== v ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : is(v, -0) ? '-0' : v];
        case 'bigint': return ['bigint', toText(v)];
        case 'string': return ['string', v];
        case 'symbol': return ['opaque', 'symbol'];
        case 'function': return ['opaque', 'function'];
      }
      if (v === null) return ['null'];
      if (isProxy(v)) return ['opaque', 'proxy'];
      if (path.has(v)) throw new Refused('the value is cyclic');
      path.add(v);
      try {
        const proto = getProto(v);
        if (proto === AP && isArray(v)) {
          const n = v.length, items = [];
          for (let i = 0; i < n; i++) {
            const d = describe(v, toText(i));
            items.push(d === undefined ? ['hole'] : data(d, depth));
          }
          const extra = entries(v, depth, (key) => key === 'length' || INDEX.test(key));
          return extra.length ? ['array', items, extra] : ['array', items];
        }
        if (proto === OP || proto === null) return ['object', entries(v, depth, () => false), proto === null];
        if (proto === MP) {
          const out = [];
          apply(mapForEach, v, [(x, k) => out.push([enc(k, depth + 1), enc(x, depth + 1)])]);
          return ['map', out];
        }
        if (proto === SP) {
          const out = [];
          apply(setForEach, v, [(x) => out.push(enc(x, depth + 1))]);
          return ['set', out];
        }
        if (proto === DP) {
          const t = apply(getTime, v, []);
          return ['date', t !== t ? 'NaN' : t];
        }
        if (proto === RP) return ['regexp', apply(reSource, v, []), apply(reFlags, v, [])];
        return ['opaque', 'object'];
      } finally {
        path.delete(v);
      }
    };
    return enc(root, 0);
  };
})()`;

/** Names a candidate may not bind in the snippets' scope (the harness's, and words that cannot be parameters). */
const JS_RESERVED = [
  'assert', PROBE, 'arguments', 'eval', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger',
  'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if',
  'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected',
  'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while',
  'with', 'yield',
];

/** Node.js harness: loads `/work/candidate.js`, runs each snippet with the module's exports in scope. */
export function nodeHarness(plans: readonly SnippetPlan[]): string {
  return `'use strict';
const { writeSync } = require('node:fs');
const assert = require('node:assert');
const AssertionError = assert.AssertionError;
const stringify = JSON.stringify;
const emit = (e) => { try { writeSync(3, stringify(e) + '\\n'); } catch {} };
const describeError = (e, n) => { try { return String((e && e.message) || e).slice(0, n); } catch { return 'an exception'; } };
const encode = ${JS_ENCODER};
const PLANS = ${JSON.stringify(harnessPlans(plans))};
const RESERVED = new Set(${JSON.stringify(JS_RESERVED)});
let mod;
try { mod = require('/work/candidate.js'); } catch (e) { emit({ load: describeError(e && e.stack ? { message: e.stack } : e, 1000) }); process.exit(0); }
const names = Object.keys(mod).filter((n) => /^[A-Za-z_$][\\w$]*$/.test(n) && !RESERVED.has(n));
(async () => {
  for (let i = 0; i < PLANS.length; i++) {
    const p = PLANS[i];
    try {
      const values = names.map((n) => mod[n]);
      if (p.judged) {
        const probe = (k, v) => {
          let r;
          try { r = { t: i, k, v: encode(v) }; } catch (e) { r = { t: i, k, e: describeError(e, 300) }; }
          emit(r);
        };
        await new Function(...names, ${JSON.stringify(PROBE)}, 'return (async () => {\\n' + p.code + '\\n})();')(...values, probe);
        emit({ t: i, done: true });
      } else {
        await new Function('assert', ...names, 'return (async () => {\\n' + p.code + '\\n})();')(assert, ...values);
        emit({ t: i, legacy: 'pass' });
      }
    } catch (e) {
      const failed = e instanceof AssertionError;
      emit(p.judged ? { t: i, x: describeError(e, 500), a: failed } : { t: i, legacy: failed ? 'fail' : 'error', m: describeError(e, 500) });
    }
  }
  emit({ end: true });
  process.exit(0);
})();
`;
}

/**
 * A seccomp filter installed by the Python harness before the candidate loads: no `execve`, no new processes
 * (`fork`, `vfork`, `clone` without CLONE_THREAD; `clone3` answers ENOSYS so threads fall back to `clone`).
 * It closes what the audit hook cannot see, such as `_posixsubprocess.fork_exec` reached through a built-in
 * module spec. Threads still work.
 */
const PYTHON_SECCOMP = String.raw`
def _lsp_seccomp():
    import ctypes, os, struct
    machine = os.uname().machine
    if machine == 'x86_64':
        arch, denied, clone, x32 = 0xC000003E, (59, 322, 57, 58), 56, True
    elif machine == 'aarch64':
        arch, denied, clone, x32 = 0xC00000B7, (221, 281), 220, False
    else:
        raise OSError('no process filter for machine ' + machine)
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, EPERM, ENOSYS = 0x7FFF0000, 0x00050001, 0x00050026
    code = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, EPERM), (LD, 0, 0, 0)]
    if x32:
        code += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, EPERM)]
    for nr in denied:
        code += [(JEQ, 0, 1, nr), (RET, 0, 0, EPERM)]
    code += [(JEQ, 0, 1, 435), (RET, 0, 0, ENOSYS)]
    code += [(JEQ, 0, 3, clone), (LD, 0, 0, 16), (JSET, 1, 0, 0x00010000), (RET, 0, 0, EPERM), (RET, 0, 0, ALLOW)]
    raw = b''.join(struct.pack('HBBI', *c) for c in code)
    buf = ctypes.create_string_buffer(raw, len(raw))

    class Prog(ctypes.Structure):
        _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]

    prog = Prog(len(code), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(38, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'PR_SET_NO_NEW_PRIVS failed')
    if libc.prctl(22, 2, ctypes.addressof(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'PR_SET_SECCOMP failed')
`;

/** Python harness: loads `/work/candidate.py`, runs each snippet in a copy of the module's namespace. */
export function pythonHarness(plans: readonly SnippetPlan[]): string {
  return `${PYTHON_ENCODER}
${PYTHON_SECCOMP}
import sys, os, json
_lsp_write, _lsp_dumps = os.write, json.dumps


def _lsp_emit(obj):
    try:
        _lsp_write(3, (_lsp_dumps(obj) + "\\n").encode("utf-8", "surrogatepass"))
    except BaseException:
        pass


def _lsp_text(e, n):
    try:
        return (type(e).__name__ + ": " + str(e))[:n]
    except BaseException:
        return "an exception"


try:
    _lsp_seccomp()
except BaseException as e:
    _lsp_emit({"setup": "cannot install the process filter: " + _lsp_text(e, 300)})
    sys.exit(0)
del _lsp_seccomp

_LSP_BLOCKED = ("os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "subprocess.Popen",
                "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "os.kill", "os.killpg", "pty.spawn")
_LSP_BLOCKED_MODULES = ("_posixsubprocess", "_ctypes", "_xxsubinterpreters")


def _lsp_hook(event, args):
    if event.startswith(_LSP_BLOCKED):
        raise PermissionError("sandbox: " + event + " is not allowed")
    if event == "import" and args and str(args[0]).split(".")[0] in _LSP_BLOCKED_MODULES:
        raise ImportError("sandbox: module " + str(args[0]) + " is not allowed")


sys.addaudithook(_lsp_hook)
import importlib.util
try:
    _lsp_spec = importlib.util.spec_from_file_location("candidate", "/work/candidate.py")
    _lsp_mod = importlib.util.module_from_spec(_lsp_spec)
    _lsp_spec.loader.exec_module(_lsp_mod)
except BaseException as e:
    _lsp_emit({"load": _lsp_text(e, 1000)})
    sys.exit(0)
_LSP_PLANS = json.loads(${JSON.stringify(JSON.stringify(harnessPlans(plans)))})
for _lsp_i, _lsp_plan in enumerate(_LSP_PLANS):
    _lsp_ns = dict(vars(_lsp_mod))
    if _lsp_plan["judged"]:
        def _lsp_probe(k, v, _i=_lsp_i):
            try:
                r = {"t": _i, "k": k, "v": _lsp_encode(v)}
            except BaseException as e:
                r = {"t": _i, "k": k, "e": _lsp_text(e, 300)}
            _lsp_emit(r)
        _lsp_ns[${JSON.stringify(PROBE)}] = _lsp_probe
    try:
        exec(_lsp_plan["code"], _lsp_ns)
        _lsp_emit({"t": _lsp_i, "done": True} if _lsp_plan["judged"] else {"t": _lsp_i, "legacy": "pass"})
    except AssertionError as e:
        _lsp_emit({"t": _lsp_i, "x": _lsp_text(e, 500), "a": True} if _lsp_plan["judged"] else {"t": _lsp_i, "legacy": "fail", "m": _lsp_text(e, 500)})
    except BaseException as e:
        _lsp_emit({"t": _lsp_i, "x": _lsp_text(e, 500)} if _lsp_plan["judged"] else {"t": _lsp_i, "legacy": "error", "m": _lsp_text(e, 500)})
_lsp_emit({"end": True})
`;
}
