import { beamSearch } from '../decode/beam.js';
import { generate, type DecodeOptions } from '../decode/generate.js';
import type { LogitsProcessor } from '../decode/logits-processor.js';
import type { FinishReason, Sequence, StopCriteria } from '../decode/sequence.js';
import { PromptCache } from '../decode/prompt-cache.js';
import type { StepModel } from '../decode/step-model.js';
import type { KvCache } from '../model/kv-cache.js';
import { previousCodeLine, type StopContext, type StopMode } from '../decode/stop-modes.js';
import { BatchingModel, type BatchedCache } from '../model/batching-model.js';
import { CausalLM, type SessionOptions } from '../model/causal-lm.js';
import { ModelError } from '../model/errors.js';
import { Tokenizer } from '../model/tokenizer.js';
import { buildPrompt, type BuildOptions, type BuiltPrompt, type PromptInput } from '../prompt/build.js';
import { languageOf, type Language } from '../lang/language.js';
import { suffixStop } from '../decode/suffix-stop.js';
import { detectPromptFormat, type PromptFormat } from '../prompt/format.js';
import { defaultModelDir } from './package-root.js';

export interface EngineOptions extends SessionOptions {
  /** Model directory (transformers.js / Optimum layout); the shipped model when omitted. */
  readonly modelDir?: string | undefined;
  /**
   * Keep the keys/values of recent prompts, up to this many MiB, and prefill only what a new prompt does not
   * share with one of them (see `PromptCache`). 0 (default) is off: one-shot commands gain nothing from it.
   */
  readonly promptCacheMb?: number | undefined;
  /**
   * Run the decoding steps of concurrent generations as one batched forward pass (see `BatchingModel`): what
   * a service with several requests in flight wants. Default false.
   */
  readonly batching?: boolean | undefined;
}

/** One completion request: where (prefix/suffix/path) and how (decoding options). */
export interface CompletionRequest
  extends PromptInput,
    Omit<DecodeOptions, 'eosIds' | 'stopContext' | 'maxTokens'> {
  readonly maxTokens?: number | undefined;
  readonly stopMode?: StopMode | undefined;
  /** Beam search with this many beams (> 1); sampling options are then ignored. */
  readonly beams?: number | undefined;
  /** Back up the prompt's last token and let the model write it again (default true; left-to-right prompts). */
  readonly tokenHealing?: boolean | undefined;
  /** Called after every token (not with beams): what streaming builds on. */
  readonly onToken?: TokenHook | undefined;
}

export interface CompletionTimings {
  readonly prefillMs: number;
  readonly decodeMs: number;
  /** Generated tokens per second of decoding (prefill excluded). */
  readonly tokensPerSecond: number;
}

export interface CompletionResult {
  readonly completion: string;
  /** Generated tokens. */
  readonly tokens: number;
  readonly finishReason: FinishReason;
  readonly seed?: number | undefined;
  readonly prompt: {
    readonly tokens: number;
    readonly fim: boolean;
    /** Text of the prompt's last token that the model wrote again (token healing). */
    readonly healed: string;
    readonly truncated: BuiltPrompt['truncated'];
  };
  readonly timings: CompletionTimings;
}

export const DEFAULT_MAX_TOKENS = 128;

/**
 * How a completion uses the text after the cursor: as the FIM suffix (`fim`), or — left to right — only to stop
 * the generation before it writes that text again (`suffixStop`), combined with any `stopWhen` of its own.
 */
export function withSuffix(
  suffix: string,
  fim: boolean,
  language: Language | undefined,
  stopWhen?: (text: string) => number | undefined,
): { suffix: string | undefined; stopWhen: ((text: string) => number | undefined) | undefined } {
  if (fim) return { suffix, stopWhen };
  const atSuffix = suffixStop(suffix, language);
  return {
    suffix: undefined,
    stopWhen: stopWhen
      ? (text) => {
          const [a, b] = [stopWhen(text), atSuffix(text)];
          return a === undefined ? b : b === undefined ? a : Math.min(a, b);
        }
      : atSuffix,
  };
}

/** Called after every generated token with the sequence so far and the stop criteria it is decoded under. */
export type TokenHook = (seq: Sequence, criteria: StopCriteria) => void | Promise<void>;

/** The model, its tokenizer and its prompt format: what every surface (CLI, service, extension, eval) drives. */
export class Engine {
  /** What decoding runs on: the model, behind the prompt cache when there is one. */
  readonly decoder: StepModel<BatchedCache>;
  readonly promptCache: PromptCache<BatchedCache> | undefined;
  readonly batcher: BatchingModel | undefined;

  private constructor(
    readonly model: CausalLM,
    readonly tokenizer: Tokenizer,
    readonly format: PromptFormat,
    readonly eosIds: readonly number[],
    promptCacheMb: number,
    batching: boolean,
  ) {
    this.batcher = batching ? new BatchingModel(model) : undefined;
    const stepper = this.batcher ?? model;
    this.promptCache = promptCacheMb > 0 ? new PromptCache(stepper, promptCacheMb * 2 ** 20) : undefined;
    this.decoder = this.promptCache ?? stepper;
  }

  static async load(options: EngineOptions = {}): Promise<Engine> {
    const dir = options.modelDir ?? defaultModelDir();
    const model = await CausalLM.load(dir, options);
    let tokenizer: Tokenizer;
    try {
      tokenizer = Tokenizer.load(dir);
      if (tokenizer.size > model.spec.vocabSize) {
        throw new ModelError('config-mismatch', `tokenizer has ${tokenizer.size} tokens but the model's vocabulary is ${model.spec.vocabSize}`);
      }
    } catch (e) {
      await model.dispose(); // do not leak the session of a model that cannot be used
      throw e;
    }
    const eos = [...new Set([...model.spec.eosTokenIds, ...tokenizer.eosTokenIds])];
    return new Engine(model, tokenizer, detectPromptFormat(tokenizer), eos, options.promptCacheMb ?? 0, options.batching ?? false);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }

  /**
   * Whether a completion with text after the cursor uses fill-in-the-middle unless told otherwise: the model
   * has FIM tokens and its config does not declare them unusable (`fim_usable: false`).
   */
  get fimByDefault(): boolean {
    return this.format.fim !== undefined && this.model.spec.fimUsable !== false;
  }

  /** Tokenizes a prompt so that it and `maxTokens` new tokens fit the context window. */
  prompt(input: PromptInput, maxTokens: number, options: BuildOptions = {}): BuiltPrompt {
    return buildPrompt(this.tokenizer, this.format, input, this.model.spec.maxPositions - maxTokens, options);
  }

  /** Where the stop modes look: the cursor line before the cursor, the language, and whether the suffix closes the block. */
  stopContext(input: PromptInput): StopContext {
    return {
      language: languageOf(input.path),
      lineBefore: input.prefix.slice(input.prefix.lastIndexOf('\n') + 1),
      previousLine: previousCodeLine(input.prefix),
      excludeClosing: /^\s*[)\]}]/.test(input.suffix ?? ''),
    };
  }

  /**
   * Completes `request`. `extraProcessors` builds constraints that need the tokenized prompt (a monitor needs
   * to know which text token healing backed up); they run before `request.processors`.
   */
  async complete(
    request: CompletionRequest,
    extraProcessors?: (prompt: BuiltPrompt) => readonly LogitsProcessor[],
  ): Promise<CompletionResult> {
    const { onToken } = request;
    const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`max tokens must be a positive integer, got ${maxTokens}`);
    if (maxTokens >= this.model.spec.maxPositions) {
      throw new RangeError(`max tokens must be below the model's context window of ${this.model.spec.maxPositions}`);
    }
    const prompt = this.prompt(request, maxTokens, { tokenHealing: request.tokenHealing ?? true });
    const options: DecodeOptions = {
      ...request,
      processors: [...(extraProcessors?.(prompt) ?? []), ...(request.processors ?? [])],
      maxTokens,
      eosIds: this.eosIds,
      stopContext: this.stopContext(request),
      forcedPrefix: prompt.healed,
    };
    const vocab = this.tokenizer.vocab;
    let out: { ids: readonly number[]; text: string; finishReason: FinishReason; prefillMs: number; decodeMs: number; seed?: number | undefined };
    if (request.beams !== undefined && request.beams > 1) {
      const beams = await beamSearch(this.decoder, vocab, prompt.ids, { ...options, numBeams: request.beams });
      out = { ...beams.hypotheses[0]!, prefillMs: beams.prefillMs, decodeMs: beams.decodeMs };
    } else {
      out = await generate(this.decoder, vocab, prompt.ids, options, { onToken: onToken && ((seq) => onToken(seq, options)) });
    }
    return {
      completion: out.text,
      tokens: out.ids.length,
      finishReason: out.finishReason,
      seed: out.seed,
      prompt: { tokens: prompt.ids.length, fim: prompt.fim, healed: prompt.healed, truncated: prompt.truncated },
      timings: {
        prefillMs: round(out.prefillMs),
        decodeMs: round(out.decodeMs),
        tokensPerSecond: out.decodeMs > 0 ? round((out.ids.length / out.decodeMs) * 1000) : 0,
      },
    };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
