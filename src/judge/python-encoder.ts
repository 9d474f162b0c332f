/**
 * Python source of the value encoder (see `values.ts`), shared by the trusted snippet planner on the host (to
 * encode expected literals) and the harness inside the sandbox (to report what a call returned). It reads data
 * through the builtin types' own methods (`list.copy(v)`, `dict.items(…)`, `int.__index__(v)`), so a subclass
 * cannot misreport its contents, and it describes as `opaque` any object whose equality or truth is its own
 * code: instances of other classes, and subclasses of builtins that define `__eq__`, `__ne__`, `__bool__` or
 * `__len__` (except `Counter`, `OrderedDict` and `defaultdict`, which compare with a dict as a dict does).
 * Defines `_lsp_encode(value)` and `_lsp_Refused` (raised for values too large, too deep or not describable).
 */
export const PYTHON_ENCODER = String.raw`
def _lsp_make_encoder():
    import collections
    _type = type
    _name = type.__dict__['__name__'].__get__
    _mro = type.__dict__['__mro__'].__get__
    _vars = type.__dict__['__dict__'].__get__
    _issubclass = issubclass
    _repr = repr
    _hex = hex
    BASES = (int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset)
    DICTS = (collections.Counter, collections.OrderedDict, collections.defaultdict)
    OWN = ('__eq__', '__ne__', '__bool__', '__len__')

    class Refused(Exception):
        pass

    def base_of(t):
        if t in BASES:
            return t
        if t in DICTS:
            return dict
        for b in BASES:
            if _issubclass(t, b):
                for c in _mro(t):
                    if c is b:
                        return b
                    if c in DICTS:
                        continue
                    if any(m in _vars(c) for m in OWN):
                        return None
                return b
        return None

    def encode(root, limit=100000):
        count = [0]

        def enc(v, depth):
            count[0] += 1
            if count[0] > limit:
                raise Refused('the value is too large to judge')
            if depth > 100:
                raise Refused('the value is nested too deeply to judge')
            if v is None:
                return ['None']
            t = _type(v)
            if t is bool:
                return ['bool', v is True]
            b = base_of(t)
            if b is None or (b is complex and t is not complex):
                return ['opaque', str(_name(t))]
            if b is int:
                return ['int', _hex(int.__index__(v))]
            if b is float:
                return ['float', _repr(float.__float__(v))]
            if b is complex:
                return ['complex', _repr(v.real), _repr(v.imag)]
            if b is str:
                return ['str', str.__str__(v)]
            if b is bytes:
                return ['bytes', bytes.hex(v)]
            if b is bytearray:
                return ['bytes', bytearray.hex(v)]
            if b is list:
                return ['list', [enc(x, depth + 1) for x in list.copy(v)]]
            if b is tuple:
                return ['tuple', [enc(x, depth + 1) for x in tuple.__getitem__(v, slice(None))]]
            if b is dict:
                return ['dict', [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in dict.items(dict.copy(v))]]
            if b is set:
                return ['set', [enc(x, depth + 1) for x in set.copy(v)]]
            return ['frozenset', [enc(x, depth + 1) for x in frozenset.copy(v)]]

        return enc(root, 0)

    return encode, Refused


_lsp_encode, _lsp_Refused = _lsp_make_encoder()
del _lsp_make_encoder
`;
