import type { Tokenizer } from '../model/tokenizer.js';

/** Fill-in-the-middle markers, prefix-suffix-middle order. */
export interface FimTokens {
  readonly prefix: string;
  readonly suffix: string;
  readonly middle: string;
}

/** How a model expects prompts: its file-path header and FIM markers, as its tokenizer spells them. */
export interface PromptFormat {
  /** Token that introduces a file path line (`<|file_sep|>path\n`), if the model was trained with one. */
  readonly fileHeader: string | undefined;
  /** FIM markers, if the model can fill in the middle. */
  readonly fim: FimTokens | undefined;
}

/** FIM marker families of public code models (Qwen2.5-Coder and this project's model; StarCoder; DeepSeek-Coder). */
const FIM_FAMILIES: readonly FimTokens[] = [
  { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
  { prefix: '<fim_prefix>', suffix: '<fim_suffix>', middle: '<fim_middle>' },
  { prefix: '<｜fim▁begin｜>', suffix: '<｜fim▁hole｜>', middle: '<｜fim▁end｜>' },
];
const FILE_HEADERS: readonly string[] = ['<|file_sep|>', '<file_sep>', '<filename>'];

/** Reads the prompt format from the tokenizer's special tokens. */
export function detectPromptFormat(tokenizer: Pick<Tokenizer, 'tokenId'>): PromptFormat {
  const has = (t: string) => tokenizer.tokenId(t) !== undefined;
  return {
    fileHeader: FILE_HEADERS.find(has),
    fim: FIM_FAMILIES.find((f) => has(f.prefix) && has(f.suffix) && has(f.middle)),
  };
}
