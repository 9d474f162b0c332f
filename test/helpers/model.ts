import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CausalLM } from '../../src/model/causal-lm.js';
import { Tokenizer } from '../../src/model/tokenizer.js';
import { defaultModelDir } from '../../src/engine/package-root.js';

export const MODEL_DIR = defaultModelDir();

let model: Promise<CausalLM> | undefined;
let tokenizer: Tokenizer | undefined;

/** The shipped model, loaded once per test file. */
export function sharedModel(): Promise<CausalLM> {
  return (model ??= CausalLM.load(MODEL_DIR, { intraOpThreads: 1 }));
}

export function sharedTokenizer(): Tokenizer {
  return (tokenizer ??= Tokenizer.load(MODEL_DIR));
}

export function trainingFile<T>(name: string): T {
  return JSON.parse(readFileSync(join(MODEL_DIR, 'training', name), 'utf8')) as T;
}
