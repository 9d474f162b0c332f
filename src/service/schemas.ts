import { MONITOR_KINDS, type MonitorKind } from '../monitor/types.js';
import { STOP_MODES } from '../decode/stop-modes.js';
import { STRATEGIES } from '../planning/plan.js';

/** Longest text field accepted (a whole unsaved buffer fits; the body limit caps the request as a whole). */
const TEXT = { type: 'string', maxLength: 8 * 2 ** 20 } as const;
const SHORT = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const SAFE_INT = { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } as const;

/**
 * `POST /v1/completions`: OpenAI's text-completion request, plus the editor fields. OpenAI fields this engine
 * has no use for are accepted at their neutral values (`echo: false`, `logprobs: null`, penalties 0,
 * `best_of: 1`, any `user`), so clients that send them by default work; anything else unknown is refused.
 */
/** `monitors`: true (all, the default), false (none), or a list of kinds. */
const MONITORS = {
  anyOf: [{ type: 'boolean' }, { type: 'array', items: { enum: [...MONITOR_KINDS] }, uniqueItems: true, maxItems: MONITOR_KINDS.length }],
} as const;

export const completionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: SHORT,
    prompt: { anyOf: [TEXT, { type: 'array', items: TEXT, minItems: 1, maxItems: 8 }] },
    suffix: { anyOf: [TEXT, { type: 'null' }] },
    max_tokens: { type: 'integer', minimum: 1, maximum: 1000 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    stop: { anyOf: [{ type: 'string', minLength: 1, maxLength: 64 }, { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 4 }, { type: 'null' }] },
    seed: { anyOf: [SAFE_INT, { type: 'null' }] },
    n: { type: 'integer', minimum: 1, maximum: 8 },
    stream: { type: 'boolean' },
    stream_options: { anyOf: [{ type: 'object', additionalProperties: false, properties: { include_usage: { type: 'boolean' } } }, { type: 'null' }] },
    echo: { const: false },
    logprobs: { type: 'null' },
    best_of: { const: 1 },
    presence_penalty: { const: 0 },
    frequency_penalty: { const: 0 },
    user: { type: 'string', maxLength: 256 },
    // Editor extensions.
    workspace: SHORT,
    file: SHORT,
    position: {
      type: 'object',
      additionalProperties: false,
      required: ['line', 'character'],
      properties: { line: { type: 'integer', minimum: 0, maximum: 10_000_000 }, character: { type: 'integer', minimum: 0, maximum: 10_000_000 } },
    },
    text: TEXT,
    monitors: MONITORS,
    stop_mode: { enum: [...STOP_MODES] },
  },
} as const;

/** `POST /v1/plan`: a problem in the problem-file format, inline, and how to solve it. */
export const planBody = {
  type: 'object',
  additionalProperties: false,
  required: ['problem'],
  properties: {
    model: SHORT,
    problem: {
      type: 'object',
      additionalProperties: false,
      required: ['language', 'prompt', 'entryPoint', 'publicTests'],
      properties: {
        id: SHORT,
        language: { enum: ['typescript', 'javascript', 'python'] },
        path: SHORT,
        prompt: { type: 'string', minLength: 1, maxLength: 2 ** 20 },
        entryPoint: SHORT,
        publicTests: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 65536 }, minItems: 1, maxItems: 100 },
        hiddenTests: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 65536 }, maxItems: 100 },
      },
    },
    strategy: { enum: [...STRATEGIES] },
    budget: { type: 'integer', minimum: 1, maximum: 64 },
    max_tokens: { type: 'integer', minimum: 1, maximum: 900 },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    time_limit_ms: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
    workspace: SHORT,
    monitors: MONITORS,
    stream: { type: 'boolean' },
  },
} as const;

export interface CompletionBody {
  model?: string;
  prompt?: string | string[];
  suffix?: string | null;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[] | null;
  seed?: number | null;
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  workspace?: string;
  file?: string;
  position?: { line: number; character: number };
  text?: string;
  monitors?: boolean | MonitorKind[];
  stop_mode?: (typeof STOP_MODES)[number];
}

export interface PlanBody {
  model?: string;
  problem: {
    id?: string;
    language: 'typescript' | 'javascript' | 'python';
    path?: string;
    prompt: string;
    entryPoint: string;
    publicTests: string[];
    hiddenTests?: string[];
  };
  strategy?: (typeof STRATEGIES)[number];
  budget?: number;
  max_tokens?: number;
  seed?: number;
  temperature?: number;
  time_limit_ms?: number;
  workspace?: string;
  monitors?: boolean | MonitorKind[];
  stream?: boolean;
}
