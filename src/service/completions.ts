import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { FinishReason } from '../decode/sequence.js';
import { TextStream } from '../decode/stream-text.js';
import { monitorKinds } from '../monitor/monitors.js';
import type { MonitorKind } from '../monitor/types.js';
import { completeInDocument, type DocumentCompletionResult } from '../engine/document-completion.js';
import { DEFAULT_MAX_TOKENS, withSuffix, type CompletionResult, type TokenHook } from '../engine/engine.js';
import { languageOf } from '../lang/language.js';
import { LspError } from '../lsp/errors.js';
import { offsetAt } from '../lsp/text.js';
import { ModelError } from '../model/errors.js';
import type { ServiceContext } from './app.js';
import { badRequest, HttpError } from './errors.js';
import type { CompletionBody } from './schemas.js';
import type { SseStream } from './sse.js';

/** A checked request, ready to run once it has a slot. */
export interface Prepared {
  json(): Promise<unknown>;
  stream(sse: SseStream): Promise<void>;
}

/** Default `max_tokens`: OpenAI's 16 for plain prompts; a whole statement for an editor's request. */
const PLAIN_MAX_TOKENS = 16;
/** Largest file read from disk when the request sends no buffer. */
const MAX_FILE_BYTES = 8 * 2 ** 20;

/** OpenAI's finish reasons: `length` when a limit cut the text, `stop` for every natural or requested end. */
function openAiFinish(reason: FinishReason): 'stop' | 'length' {
  return reason === 'length' || reason === 'context' ? 'length' : 'stop';
}

/** Where one choice is generated: a plain prompt, or a position in a workspace file. */
type Target =
  | { readonly kind: 'plain'; readonly prompt: string; readonly suffix: string | undefined }
  | { readonly kind: 'document'; readonly workspace: string; readonly file: string; readonly text: string; readonly offset: number; readonly monitors: readonly MonitorKind[] };

/** Resolves the request's targets; every refusal (400/403/404) happens here, before a slot is taken. */
function targetsOf(ctx: ServiceContext, body: CompletionBody): Target[] {
  const editorFields = (['file', 'position', 'text', 'monitors', 'stop_mode'] as const).filter((f) => body[f] !== undefined);
  if (body.workspace === undefined) {
    if (editorFields.length && editorFields.some((f) => f !== 'stop_mode')) throw badRequest(`${editorFields[0]} needs a workspace`, editorFields[0]!);
    if (body.prompt === undefined) throw badRequest('prompt is required (or workspace, file and position for a completion in a file)', 'prompt');
    const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
    return prompts.map((prompt) => ({ kind: 'plain', prompt, suffix: body.suffix ?? undefined }));
  }
  if (body.prompt !== undefined || (body.suffix !== undefined && body.suffix !== null)) {
    throw badRequest('prompt and suffix are for plain completions; with a workspace, send file, position and (optionally) text', body.prompt !== undefined ? 'prompt' : 'suffix');
  }
  if (body.file === undefined) throw badRequest('a completion in a workspace needs a file', 'file');
  if (body.position === undefined) throw badRequest('a completion in a workspace needs a position { line, character }', 'position');
  const workspace = ctx.roots.workspace(body.workspace);
  const file = ctx.roots.file(workspace, body.file, body.text !== undefined);
  let text = body.text;
  if (text === undefined) {
    if (statSync(file).size > MAX_FILE_BYTES) throw new HttpError(413, `${body.file} is larger than ${MAX_FILE_BYTES} bytes`, 'invalid_request_error', 'file');
    text = readFileSync(file, 'utf8');
  }
  const { line, character } = body.position;
  const offset = offsetAt(text, line, character);
  if (offset === undefined) throw badRequest(`position ${line}:${character} is outside the document (0-based line and UTF-16 character)`, 'position');
  const language = languageOf(file);
  const wanted = monitorKinds(body.monitors);
  if (body.monitors !== undefined && wanted.length > 0 && language === undefined) {
    throw badRequest(`monitors need a language server, and there is none for ${body.file} (TypeScript, JavaScript and Python are supported)`, 'monitors');
  }
  return [{ kind: 'document', workspace, file, text, offset, monitors: language === undefined ? [] : wanted }];
}

/** Checks `body` and returns how to answer it, as one JSON response or as a stream. */
export async function prepareCompletion(ctx: ServiceContext, body: CompletionBody, signal: AbortSignal): Promise<Prepared> {
  const { engine, pool, metrics } = ctx;
  const targets = targetsOf(ctx, body);
  const document = targets[0]!.kind === 'document';
  const maxTokens = body.max_tokens ?? (document ? DEFAULT_MAX_TOKENS : PLAIN_MAX_TOKENS);
  if (maxTokens >= engine.model.spec.maxPositions) {
    throw badRequest(`max_tokens must be below the model's context window of ${engine.model.spec.maxPositions}`, 'max_tokens');
  }
  const n = body.n ?? 1;
  const temperature = body.temperature ?? 0;
  const stop = body.stop === undefined || body.stop === null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const id = `cmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const model = ctx.modelId;

  /** One choice; `onDelta` receives the text as it becomes final (streaming). */
  const run = async (target: Target, choice: number, onDelta?: (text: string) => void) => {
    let shown: TextStream | undefined;
    const onToken: TokenHook | undefined = onDelta
      ? (seq, criteria) => {
          shown ??= new TextStream(criteria);
          const delta = shown.next(seq);
          if (delta) onDelta(delta);
        }
      : undefined;
    const decoding = {
      maxTokens,
      temperature,
      topP: body.top_p,
      seed: temperature > 0 && body.seed !== undefined && body.seed !== null ? body.seed + choice : undefined,
      stop,
      stopMode: body.stop_mode ?? (document ? 'statement' : undefined),
      signal,
      onToken,
    } as const;
    let result: CompletionResult | DocumentCompletionResult;
    try {
      result =
        target.kind === 'plain'
          ? // A suffix is what follows the insertion: FIM when the model's FIM is usable, else left to right stopping before it.
            await engine.complete({ ...decoding, prefix: target.prompt, ...(target.suffix === undefined ? {} : withSuffix(target.suffix, engine.fimByDefault, undefined)) })
          : await completeInDocument(engine, pool, {
              ...decoding,
              workspace: target.workspace,
              file: target.file,
              text: target.text,
              offset: target.offset,
              monitor: target.monitors.length > 0,
              monitors: target.monitors,
              budgetMs: ctx.options.budgetMs,
              warmupMs: ctx.options.warmupMs,
            });
    } catch (e) {
      throw asHttpError(e);
    }
    if (result.finishReason === 'cancelled' && signal.aborted) throw signal.reason;
    metrics.tokens.inc(result.tokens);
    if ('monitor' in result) metrics.countTriggers((result as DocumentCompletionResult).monitor);
    // What streaming has not shown yet (all of it when no token was shown).
    let rest = result.completion;
    if (shown) {
      try {
        rest = shown.finish(result.completion);
      } catch {
        // Cannot happen by TextStream's rules; never send text that contradicts the stream silently.
        throw new HttpError(500, 'internal error: the streamed text does not match the completion', 'server_error');
      }
    }
    return { result, rest };
  };

  const monitorOf = (results: readonly (CompletionResult | DocumentCompletionResult)[]) => {
    const documents = results.filter((r): r is DocumentCompletionResult => 'monitor' in r);
    if (documents.length === 0) return undefined;
    const triggers = documents.flatMap((r, index) =>
      r.monitor.triggers.map((t) => ({ index, monitor: t.monitor, offset: t.offset, allowed: t.allowed, chosen: t.chosen, latency_ms: t.latencyMs, degraded: t.degraded, ...(t.reason ? { reason: t.reason } : {}), ...(t.vetoes ? { vetoes: t.vetoes } : {}) })),
    );
    const first = documents[0]!.monitor;
    return { enabled: first.enabled, kinds: first.kinds, ready: first.ready, warmup_ms: first.warmupMs, degraded: triggers.some((t) => t.degraded), triggers };
  };
  const usageOf = (results: readonly CompletionResult[]) => {
    const prompt = results.reduce((s, r, i) => s + (i % n === 0 ? r.prompt.tokens : 0), 0);
    const completion = results.reduce((s, r) => s + r.tokens, 0);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  };
  const jobs = targets.flatMap((target) => Array.from({ length: n }, (_, i) => ({ target, choice: i })));

  return {
    async json() {
      const results: (CompletionResult | DocumentCompletionResult)[] = [];
      for (const job of jobs) results.push((await run(job.target, job.choice)).result);
      const monitor = monitorOf(results);
      return {
        id,
        object: 'text_completion',
        created,
        model,
        choices: results.map((r, index) => ({ text: r.completion, index, logprobs: null, finish_reason: openAiFinish(r.finishReason) })),
        usage: usageOf(results),
        ...(monitor ? { monitor } : {}),
      };
    },
    async stream(sse) {
      const chunk = (index: number, text: string, finish: 'stop' | 'length' | null, extra: object = {}) =>
        sse.send({ id, object: 'text_completion', created, model, choices: [{ text, index, logprobs: null, finish_reason: finish }], ...extra });
      const results: (CompletionResult | DocumentCompletionResult)[] = [];
      try {
        for (const [index, job] of jobs.entries()) {
          const { result, rest } = await run(job.target, job.choice, (delta) => chunk(index, delta, null));
          results.push(result);
          const monitor = monitorOf([result]);
          chunk(index, rest, openAiFinish(result.finishReason), monitor ? { monitor } : {});
        }
        if (body.stream_options?.include_usage) sse.send({ id, object: 'text_completion', created, model, choices: [], usage: usageOf(results) });
        sse.done();
      } catch (e) {
        sse.fail(e instanceof HttpError ? e : asHttpError(e));
      }
    },
  };
}

/** The HTTP status of an engine error: the request's fault (400) or the service's (500). */
export function asHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof RangeError) return badRequest(e.message);
  if (e instanceof ModelError && e.code === 'context-overflow') return badRequest(e.message);
  if (e instanceof LspError && e.code === 'no-server') return badRequest(e.message, 'file');
  return new HttpError(500, `internal error: ${(e as Error).message}`, 'server_error');
}
