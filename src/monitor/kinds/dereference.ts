import { findDereference } from '../../lang/dereference.js';
import { isIdentifierChar, type WordMonitor } from '../monitor.js';

/**
 * The dereference monitor (MGD): after `expr.` / `expr?.` in code, the identifier must be a member the
 * analysis lists as type-valid there. TS/JS and Python.
 */
export const dereferenceMonitor: WordMonitor = {
  kind: 'deref',
  shape: 'word',
  languages: ['typescript', 'javascript', 'python'],
  slot({ text, language }) {
    const d = findDereference(text, text.length, language);
    return d && { anchor: d.memberStart, prefix: d.prefix, required: true, site: d.dot };
  },
  startsWord: isIdentifierChar,
  ask: (analysis, { before, prefix, after }, signal) => analysis.members(before, prefix + after, signal),
};
