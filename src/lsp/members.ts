import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver-protocol';
import { closersNeeded, findDereference, identifierEnd, isIdentifier, type Dereference } from '../lang/dereference.js';
import type { Language } from '../lang/language.js';
import { LspError } from './errors.js';
import type { LanguageServer } from './language-server.js';

/** A member that is type-valid after the dot. */
export interface Member {
  readonly name: string;
  /** LSP completion kind in lower case: method, property, field, function, … */
  readonly kind: string;
  /** Signature or type, when asked for (`signatures: true`). */
  readonly detail?: string;
}

export interface MemberAnswer {
  readonly members: readonly Member[];
  /** The server that answered (name and version). */
  readonly server: string;
  /** Time for the document sync and the completion (and resolves, when asked). */
  readonly latencyMs: number;
  /** False when the server said its list is incomplete. */
  readonly complete: boolean;
  /** The dereference the query was for. */
  readonly dereference: Dereference;
}

export interface MemberQuery {
  /** Absolute path of the file. */
  readonly file: string;
  /** The document's text as the engine sees it (may differ from the file on disk). */
  readonly text: string;
  /** Cursor offset: right after the dot, or inside the identifier after it. */
  readonly offset: number;
  readonly language: Language;
  /** Resolve each member's signature / type (one request per member). */
  readonly signatures?: boolean;
  /** Aborting cancels the query (on the server too) and releases the document at once. */
  readonly signal?: AbortSignal | undefined;
}

const KIND_NAMES = new Map<number, string>(
  Object.entries(CompletionItemKind)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v as number, k.toLowerCase()]),
);

/** An item's LSP completion kind in lower case (`method`, `property`, `class`, …; `unknown` when absent). */
export function kindName(item: CompletionItem): string {
  return (item.kind !== undefined && KIND_NAMES.get(item.kind)) || 'unknown';
}

/** Completion kinds that are never members: plain words, keywords, snippets, files and colours. */
const NOT_MEMBERS = new Set<number>([
  CompletionItemKind.Text,
  CompletionItemKind.Keyword,
  CompletionItemKind.Snippet,
  CompletionItemKind.File,
  CompletionItemKind.Folder,
  CompletionItemKind.Color,
]);

/** The identifier a completion item inserts (`address?` → `address`; typescript-language-server's `.id` → `id`). */
export function memberName(item: CompletionItem): string {
  const edit = item.textEdit?.newText;
  let name = edit ?? item.insertText ?? item.label;
  name = name.replace(/^\?\./, '').replace(/^\./, '');
  if (name.endsWith('?')) name = name.slice(0, -1);
  return name;
}

const DUNDER = /^__\w+__$/;
const NAME_MANGLED = /^__(?!\w*__$)\w+$/;

/**
 * Normalizes a server's completion items to the members valid after the dot: member kinds only, identifiers
 * only, narrowed to the typed prefix (servers differ in whether they narrow), one entry per name. Python: a
 * name-mangled `__private` is wrong from outside its class (kept after `self.` / `cls.`), and dunders are kept
 * only when the typed prefix starts with `_`.
 */
export function normalizeMembers(
  items: readonly CompletionItem[],
  language: Language,
  dereference: Pick<Dereference, 'prefix' | 'receiver'>,
): { item: CompletionItem; member: Member }[] {
  const seen = new Set<string>();
  const out: { item: CompletionItem; member: Member }[] = [];
  const { prefix, receiver } = dereference;
  for (const item of items) {
    if (item.kind !== undefined && NOT_MEMBERS.has(item.kind)) continue;
    const name = memberName(item);
    if (!isIdentifier(name, language) || !name.startsWith(prefix) || seen.has(name)) continue;
    if (language === 'python') {
      if (DUNDER.test(name) && !prefix.startsWith('_')) continue;
      if (NAME_MANGLED.test(name) && receiver !== 'self' && receiver !== 'cls') continue;
    }
    seen.add(name);
    out.push({ item, member: { name, kind: kindName(item) } });
  }
  return out;
}

/** A completion list after a dot never offers keywords; one that does is the server's global fallback. */
function isMemberList(items: readonly CompletionItem[]): boolean {
  return !items.some((i) => i.kind === CompletionItemKind.Keyword);
}

function detailOf(item: CompletionItem): string | undefined {
  if (item.detail) return item.detail;
  const doc = item.documentation;
  const text = typeof doc === 'string' ? doc : doc?.value;
  return text?.split('\n').find((l) => l.trim() !== '' && !l.startsWith('```'))?.trim();
}

/**
 * The members that are type-valid at a dereference point, as the file's language server says. The query
 * removes the identifier already after the dot (`obj.ge|tName` asks at `obj.|`) so every server lists all
 * members, then narrows to the typed prefix itself.
 */
export async function queryMembers(server: LanguageServer, query: MemberQuery): Promise<MemberAnswer> {
  const { text, offset, language } = query;
  if (!Number.isInteger(offset) || offset < 0 || offset > text.length) {
    throw new LspError('bad-position', `offset ${offset} is outside the document (0..${text.length})`);
  }
  const dereference = findDereference(text, offset, language);
  if (!dereference) {
    throw new LspError('not-a-dereference', 'the position is not right after `expr.` or inside the identifier after it');
  }
  const start = performance.now();
  const head = text.slice(0, dereference.memberStart);
  const rest = text.slice(identifierEnd(text, offset, language));
  const call = { signal: query.signal };
  let answer = await server.completion(query.file, head + rest, dereference.memberStart, '.', call);
  if (!isMemberList(answer.items)) {
    // The document does not parse around the dot (pyright then lists globals and keywords, e.g. for
    // `f(json.` followed by more code inside the open parenthesis): ask again with the open brackets closed.
    const closers = closersNeeded(head, language);
    answer = await server.completion(query.file, `${head}${closers}\n${rest}`, dereference.memberStart, '.', call);
    if (!isMemberList(answer.items)) answer = { items: [], isIncomplete: answer.isIncomplete };
  }
  const found = normalizeMembers(answer.items, language, dereference);
  let members: Member[] = found.map((f) => f.member);
  if (query.signatures) {
    members = await Promise.all(
      found.map(async ({ item, member }) => {
        const resolved = item.detail || item.documentation ? item : await server.resolve(item, call);
        const detail = detailOf(resolved);
        return detail === undefined ? member : { ...member, detail };
      }),
    );
  }
  return {
    members,
    server: server.spec.name,
    latencyMs: Math.round((performance.now() - start) * 100) / 100,
    complete: !answer.isIncomplete,
    dereference,
  };
}
