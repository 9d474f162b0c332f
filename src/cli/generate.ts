import { readFileSync } from 'node:fs';
import { STOP_MODES } from '../decode/stop-modes.js';
import { DEFAULT_MAX_TOKENS, Engine } from '../engine/engine.js';
import { COMMON_OPTIONS, choiceFlag, numberFlag, parse, UsageError } from './args.js';

export const GENERATE_USAGE = `lsp-codegen generate [options]

Completes code with the model. The prompt comes from --prompt or standard input.

  --model DIR            model directory (default: the shipped code-lm-19m)
  --prompt TEXT          code before the cursor
  --suffix TEXT          code after the cursor (fill-in-the-middle)
  --path PATH            file path for the model's header, e.g. src/cart.ts (sets the language)
  --max-tokens N         tokens to generate at most (default ${DEFAULT_MAX_TOKENS})
  --temperature T        0 = greedy (default), > 0 samples
  --top-k K              sample among the K likeliest tokens
  --top-p P              sample from the smallest set with probability >= P
  --seed S               sampling seed (same seed, same output)
  --beams N              beam search with N beams
  --stop TEXT            stop string (repeatable)
  --stop-mode MODE       line | statement | block
  --repetition-penalty R >= 1, e.g. 1.2 (tiny models loop)
  --no-repeat-ngram N    forbid repeating any N-gram
  --threads N            ONNX Runtime threads
  --json                 print a JSON object instead of the completion
  --verbose              stack traces on errors`;

const OPTIONS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  suffix: { type: 'string' },
  path: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  beams: { type: 'string' },
  stop: { type: 'string', multiple: true },
  'stop-mode': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  'no-repeat-ngram': { type: 'string' },
  threads: { type: 'string' },
  ...COMMON_OPTIONS,
} as const;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('no prompt: pass --prompt TEXT or pipe the code on standard input');
  return readFileSync(0, 'utf8');
}

export async function generateCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(GENERATE_USAGE);
  const request = {
    suffix: values.suffix,
    path: values.path,
    maxTokens: numberFlag(values, 'max-tokens', { min: 1, integer: true }) ?? DEFAULT_MAX_TOKENS,
    temperature: numberFlag(values, 'temperature', { min: 0 }),
    topK: numberFlag(values, 'top-k', { min: 0, integer: true }),
    topP: numberFlag(values, 'top-p', { min: Number.MIN_VALUE, max: 1 }),
    seed: numberFlag(values, 'seed', { min: 0, max: 2 ** 32 - 1, integer: true }),
    beams: numberFlag(values, 'beams', { min: 1, max: 64, integer: true }),
    stop: values.stop,
    stopMode: choiceFlag(values, 'stop-mode', STOP_MODES),
    repetitionPenalty: numberFlag(values, 'repetition-penalty', { min: 1 }),
    noRepeatNgram: numberFlag(values, 'no-repeat-ngram', { min: 1, integer: true }),
  };
  const threads = numberFlag(values, 'threads', { min: 1, max: 256, integer: true });
  const prefix = values.prompt ?? (await readStdin());
  const engine = await Engine.load({ modelDir: values.model, intraOpThreads: threads });
  try {
    const result = await engine.complete({ ...request, prefix });
    if (values.json) {
      out(
        JSON.stringify(
          {
            completion: result.completion,
            tokens: result.tokens,
            finishReason: result.finishReason,
            ...(result.seed !== undefined ? { seed: result.seed } : {}),
            timings: result.timings,
          },
          null,
          2,
        ),
      );
    } else out(result.completion);
  } finally {
    await engine.dispose();
  }
}
