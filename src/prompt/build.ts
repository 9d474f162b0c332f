import type { PromptFormat } from './format.js';

/** What to complete: the code before the cursor, optionally the code after it, and the file's path. */
export interface PromptInput {
  readonly prefix: string;
  readonly suffix?: string | undefined;
  readonly path?: string | undefined;
}

export interface BuiltPrompt {
  readonly ids: number[];
  /**
   * Token healing: text cut from the end of a left-to-right prompt (its last token) that the generation must
   * write again. A prompt ending mid-token (`obj.`, `obj.ge`, indentation) is unlike anything the model was
   * trained on, since `.readFileSync` or `   ` + ` this` are single tokens; backing up one token lets the model
   * choose the real one. '' when nothing was cut.
   */
  readonly healed: string;
  /** Whether the prompt is fill-in-the-middle (a suffix was given). */
  readonly fim: boolean;
  /**
   * Tokens dropped from the start of the prefix and from the end of the suffix to fit the budget (for text far
   * beyond what the context holds, which is never tokenized, an estimate).
   */
  readonly truncated: { readonly prefixTokens: number; readonly suffixTokens: number };
}

/** The tokenizer calls prompt building needs. */
export interface PromptTokenizer {
  encode(text: string): number[];
  readonly vocab: readonly { readonly text: string | undefined; readonly special: boolean }[];
}

export interface BuildOptions {
  /** Back up the last token of a left-to-right prompt (default true). */
  readonly tokenHealing?: boolean;
}

export class PromptError extends Error {
  override readonly name = 'PromptError';
}

/** The file-path header line, or '' when the model has none or no path is known. */
function header(format: PromptFormat, path: string | undefined): string {
  return format.fileHeader && path ? `${format.fileHeader}${path}\n` : '';
}

/** The prompt as text, exactly in the model's template. */
export function promptText(format: PromptFormat, input: PromptInput): string {
  const head = header(format, input.path);
  if (input.suffix === undefined) return head + input.prefix;
  const fim = format.fim;
  if (!fim) throw new PromptError('this model has no fill-in-the-middle tokens; a suffix cannot be used');
  return `${fim.prefix}${head}${input.prefix}${fim.suffix}${input.suffix}${fim.middle}`;
}

/**
 * Tokenizes the prompt within `budget` tokens. When it does not fit, the prefix loses tokens from its start and
 * the suffix from its end; the suffix keeps at least a quarter of the room (or all it needs, if less).
 */
export function buildPrompt(
  tokenizer: PromptTokenizer,
  format: PromptFormat,
  input: PromptInput,
  budget: number,
  options: BuildOptions = {},
): BuiltPrompt {
  const built = fitPrompt(tokenizer, format, input, budget);
  if (built.fim || options.tokenHealing === false || built.ids.length < 2) return built;
  const last = tokenizer.vocab[built.ids[built.ids.length - 1]!];
  // Heal only a token that lies wholly inside the prefix and spells complete characters.
  if (!last || last.special || !last.text || !input.prefix.endsWith(last.text)) return built;
  return { ...built, ids: built.ids.slice(0, -1), healed: last.text };
}

const longestToken = new WeakMap<object, number>();

/** Characters the longest token spells: `budget` tokens never cover more than `budget` times this. */
function maxTokenChars(tokenizer: PromptTokenizer): number {
  let longest = longestToken.get(tokenizer.vocab);
  if (longest === undefined) {
    longest = 1;
    for (const entry of tokenizer.vocab) if (!entry.special && entry.text && entry.text.length > longest) longest = entry.text.length;
    longestToken.set(tokenizer.vocab, longest);
  }
  return longest;
}

/**
 * The part of the prefix (its end) and of the suffix (its start) that `budget` tokens could possibly hold, with
 * a few tokens to spare: only these are tokenized, so a prompt's cost does not grow with the file's size. A cut
 * can change how the first tokens of the window split, but those are among the tokens truncation drops.
 */
function promptWindow(tokenizer: PromptTokenizer, input: PromptInput, budget: number): { prefix: string; suffix: string | undefined; cutChars: number } {
  const reach = (budget + 8) * maxTokenChars(tokenizer);
  const prefix = input.prefix.length > reach ? input.prefix.slice(input.prefix.length - reach) : input.prefix;
  const suffix = input.suffix !== undefined && input.suffix.length > reach ? input.suffix.slice(0, reach) : input.suffix;
  return { prefix, suffix, cutChars: input.prefix.length - prefix.length + (input.suffix?.length ?? 0) - (suffix?.length ?? 0) };
}

function fitPrompt(tokenizer: PromptTokenizer, format: PromptFormat, input: PromptInput, budget: number): BuiltPrompt {
  const fim = input.suffix !== undefined;
  const window = promptWindow(tokenizer, input, budget);
  if (window.cutChars === 0) {
    const whole = tokenizer.encode(promptText(format, input));
    if (whole.length <= budget) return { ids: whole, fim, healed: '', truncated: { prefixTokens: 0, suffixTokens: 0 } };
  }

  // Too long: tokenize the pieces (within the window) separately and cut each at token boundaries.
  const head = tokenizer.encode(header(format, input.path));
  const prefix = tokenizer.encode(window.prefix);
  const suffix = fim ? tokenizer.encode(window.suffix!) : [];
  // Tokens of the text outside the window, estimated at the window's own characters per token.
  const beyond = (cut: number, tokens: number, chars: number) => (cut > 0 && chars > 0 ? Math.round((cut * tokens) / chars) : 0);
  const prefixBeyond = beyond(input.prefix.length - window.prefix.length, prefix.length, window.prefix.length);
  const suffixBeyond = fim ? beyond(input.suffix!.length - window.suffix!.length, suffix.length, window.suffix!.length) : 0;
  const markers = fim ? format.fim! : undefined;
  const [open, hole, middle] = markers
    ? [tokenizer.encode(markers.prefix), tokenizer.encode(markers.suffix), tokenizer.encode(markers.middle)]
    : [[], [], []];
  const fixed = head.length + open.length + hole.length + middle.length;
  const room = budget - fixed;
  if (room < 1) {
    throw new PromptError(`the prompt's fixed parts need ${fixed} tokens but only ${budget} fit the context window`);
  }
  const suffixKeep = Math.min(suffix.length, Math.max(room - prefix.length, Math.floor(room / 4)));
  const prefixKeep = Math.min(prefix.length, room - suffixKeep);
  const keptPrefix = prefix.slice(prefix.length - prefixKeep);
  const ids = fim
    ? [...open, ...head, ...keptPrefix, ...hole, ...suffix.slice(0, suffixKeep), ...middle]
    : [...head, ...keptPrefix];
  return {
    ids,
    fim,
    healed: '',
    truncated: { prefixTokens: prefix.length - prefixKeep + prefixBeyond, suffixTokens: suffix.length - suffixKeep + suffixBeyond },
  };
}
