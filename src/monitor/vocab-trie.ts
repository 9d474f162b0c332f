/** A vocabulary entry as the trie needs it: the bytes a token spells, and whether it is special. */
export interface TrieToken {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly special: boolean;
}

const encoder = new TextEncoder();

/**
 * A byte trie over the decoded strings of a vocabulary, built once per tokenizer. Nodes are numbered in
 * depth-first order and the tokens of every subtree sit in one contiguous run, so "all tokens that start with
 * X" is a slice. Working on bytes (not UTF-16) keeps tokens that hold part of a multi-byte character exact.
 *
 * `allowed(suffixes)` is the MGD mask: for the remaining identifier suffixes, (a) tokens that are a prefix of
 * some suffix and (b) tokens that spell a whole suffix and run on into a break character (`readFileSync(`).
 * Its cost is the length of the suffixes plus the number of tokens allowed, not the vocabulary size.
 */
export class VocabTrie {
  /** Per node: first edge index and edge count (edges sorted by byte). */
  private readonly edgeStart: Int32Array;
  private readonly edgeCount: Uint16Array;
  private readonly edgeByte: Uint8Array;
  private readonly edgeTarget: Int32Array;
  /** Per node: the run of `order` holding tokens that end exactly here, and the run of its whole subtree. */
  private readonly endStart: Int32Array;
  private readonly endStop: Int32Array;
  private readonly subtreeStop: Int32Array;
  /** Token ids in depth-first order. */
  private readonly order: Int32Array;
  private readonly seen: Uint32Array;
  private epoch = 0;
  readonly vocabSize: number;

  constructor(tokens: readonly TrieToken[], vocabSize = tokens.length) {
    this.vocabSize = vocabSize;
    // Build with plain objects, then flatten in depth-first order.
    interface Build {
      children: Map<number, Build>;
      ids: number[];
    }
    const root: Build = { children: new Map(), ids: [] };
    let nodes = 1;
    for (const t of tokens) {
      if (t.special || t.bytes.length === 0) continue;
      let node = root;
      for (const b of t.bytes) {
        let next = node.children.get(b);
        if (!next) {
          next = { children: new Map(), ids: [] };
          node.children.set(b, next);
          nodes++;
        }
        node = next;
      }
      node.ids.push(t.id);
    }
    this.edgeStart = new Int32Array(nodes);
    this.edgeCount = new Uint16Array(nodes);
    this.edgeByte = new Uint8Array(Math.max(0, nodes - 1));
    this.edgeTarget = new Int32Array(Math.max(0, nodes - 1));
    this.endStart = new Int32Array(nodes);
    this.endStop = new Int32Array(nodes);
    this.subtreeStop = new Int32Array(nodes);
    const order: number[] = [];
    let nextNode = 0;
    let nextEdge = 0;
    // Iterative depth-first numbering (vocabularies can be deep).
    const stack: { node: Build; index: number; edges: [number, Build][]; child: number }[] = [];
    const enter = (node: Build): number => {
      const index = nextNode++;
      this.endStart[index] = order.length;
      for (const id of node.ids) order.push(id);
      this.endStop[index] = order.length;
      const edges = [...node.children.entries()].sort((a, b) => a[0] - b[0]);
      this.edgeStart[index] = nextEdge;
      this.edgeCount[index] = edges.length;
      nextEdge += edges.length;
      stack.push({ node, index, edges, child: 0 });
      return index;
    };
    enter(root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.child < top.edges.length) {
        const [byte, child] = top.edges[top.child]!;
        const edge = this.edgeStart[top.index]! + top.child;
        top.child++;
        this.edgeByte[edge] = byte;
        this.edgeTarget[edge] = enter(child);
      } else {
        this.subtreeStop[top.index] = order.length;
        stack.pop();
      }
    }
    this.order = Int32Array.from(order);
    this.seen = new Uint32Array(vocabSize);
  }

  /** Number of trie nodes. */
  get size(): number {
    return this.edgeStart.length;
  }

  private child(node: number, byte: number): number {
    const start = this.edgeStart[node]!;
    let lo = start;
    let hi = start + this.edgeCount[node]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.edgeByte[mid]!;
      if (b === byte) return this.edgeTarget[mid]!;
      if (b < byte) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Node reached by `bytes` from the root, or -1. */
  find(bytes: Uint8Array): number {
    let node = 0;
    for (let i = 0; i < bytes.length && node >= 0; i++) node = this.child(node, bytes[i]!);
    return node;
  }

  /** Ids of all tokens whose bytes start with `bytes`. */
  tokensStartingWith(bytes: Uint8Array): Int32Array {
    const node = this.find(bytes);
    return node < 0 ? new Int32Array(0) : this.order.subarray(this.endStart[node]!, this.subtreeStop[node]!);
  }

  /**
   * The MGD allow-list for `suffixes` (UTF-8 bytes of the remaining parts of the legal identifiers; an empty
   * suffix means the identifier may end here). `isBreak[b]` marks bytes that end an identifier.
   */
  allowed(suffixes: readonly Uint8Array[], isBreak: Uint8Array): Int32Array {
    if (++this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    const out: number[] = [];
    const add = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const id = this.order[i]!;
        if (this.seen[id] !== epoch) {
          this.seen[id] = epoch;
          out.push(id);
        }
      }
    };
    for (const suffix of suffixes) {
      let node = 0;
      let i = 0;
      for (; i < suffix.length; i++) {
        node = this.child(node, suffix[i]!);
        if (node < 0) break;
        add(this.endStart[node]!, this.endStop[node]!); // (a) a token that is a prefix of the suffix
      }
      if (node < 0) continue;
      // (b) the whole suffix, then a break character and anything after it
      const start = this.edgeStart[node]!;
      for (let e = start; e < start + this.edgeCount[node]!; e++) {
        if (isBreak[this.edgeByte[e]!]) {
          const target = this.edgeTarget[e]!;
          add(this.endStart[target]!, this.subtreeStop[target]!);
        }
      }
    }
    return Int32Array.from(out);
  }
}

/** UTF-8 bytes of each string. */
export function utf8All(strings: readonly string[]): Uint8Array[] {
  return strings.map((s) => encoder.encode(s));
}

/**
 * Break bytes of a tokenizer (the MGD rule): an ASCII character `c` breaks if the tokenizer never glues it
 * onto a preceding identifier — `encode("abc" + c)` starts with the token for `"abc"` — and it cannot be part
 * of an identifier in the language (letters, digits, `_`, `$`). Bytes of non-ASCII characters never break.
 */
export function breakBytes(firstTokenText: (text: string) => string | undefined): Uint8Array {
  const isBreak = new Uint8Array(256);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if (/[\p{L}\p{N}_$]/u.test(ch)) continue;
    if (c < 32 && ch !== '\n' && ch !== '\t' && ch !== '\r') continue;
    if (firstTokenText(`abc${ch}`) === 'abc') isBreak[c] = 1;
  }
  return isBreak;
}

/**
 * Keeps only `allowed` logits (others become -Infinity): the allowed values are saved, the row is filled,
 * and they are written back — a native fill plus work proportional to the allow-list.
 */
export function applyAllowList(logits: Float32Array, allowed: Int32Array): void {
  const saved = new Float32Array(allowed.length);
  for (let i = 0; i < allowed.length; i++) saved[i] = logits[allowed[i]!]!;
  logits.fill(-Infinity);
  for (let i = 0; i < allowed.length; i++) logits[allowed[i]!] = saved[i]!;
}
