import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Engine } from '../engine/engine.js';
import { ServerPool, type ServerPoolOptions } from '../lsp/pool.js';
import { ConcurrencyLimiter, QueueFull } from './limiter.js';
import { HttpError } from './errors.js';
import { ServiceMetrics, type CancelReason } from './metrics.js';
import { completionBody, planBody, type CompletionBody, type PlanBody } from './schemas.js';
import { WorkspaceRoots } from './workspaces.js';
import { prepareCompletion } from './completions.js';
import { preparePlan } from './plan.js';
import { SseStream } from './sse.js';

export interface ServiceOptions {
  /** Folders whose workspaces the service may open (real paths after resolving links). */
  readonly workspaceRoots?: readonly string[];
  /** Model directory; the shipped model when omitted. */
  readonly modelDir?: string | undefined;
  /** Bearer token every route but `/healthz` and `/readyz` requires. */
  readonly token?: string | undefined;
  /** Requests generating at once (default 4). */
  readonly maxConcurrency?: number;
  /** Requests waiting for a slot before the service answers 429 (default 32). */
  readonly queue?: number;
  /** Longest time a request may take, queueing included (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Largest request body (default 8 MiB). */
  readonly bodyLimitBytes?: number;
  /** Longest time to receive a whole request, headers and body (default 10 s): a slow body is cut off with 408. */
  readonly bodyTimeoutMs?: number;
  /** Prompt cache size in MiB (default 256; 0 turns it off). */
  readonly promptCacheMb?: number;
  /** Batch the decoding steps of concurrent requests into one forward pass (default true). */
  readonly batching?: boolean;
  /** Per-trigger language-server budget of the monitors (default 300 ms). */
  readonly budgetMs?: number;
  /** Longest wait for a cold language server before decoding starts (default 10 s). */
  readonly warmupMs?: number;
  /** Language servers (idle shutdown, server choice, servers of one's own). */
  readonly servers?: ServerPoolOptions;
  /** Log requests (pino, JSON lines on stdout). Default false. */
  readonly logger?: boolean;
}

/** An in-flight request: its cancellation, for disconnects, timeouts and shutdown (the first one counts). */
interface Flight {
  readonly signal: AbortSignal;
  readonly cancel: (reason: CancelReason) => void;
}

const PUBLIC_ROUTES = new Set(['/healthz', '/readyz']);

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The headless codegen service: an OpenAI-compatible HTTP API over the engine, the language servers and the
 * planner (fastify; JSON-schema validation, body limits, Prometheus metrics). Build it with `createService`,
 * then `listen`; `close` shuts it down gracefully.
 */
export class CodegenService {
  readonly app: FastifyInstance;
  readonly metrics: ServiceMetrics;
  readonly limiter: ConcurrencyLimiter;
  readonly pool: ServerPool;
  readonly roots: WorkspaceRoots;
  /** Identifies this process in responses (`x-lsp-codegen-instance`): which replica answered. */
  readonly instance = `${process.pid}-${randomBytes(3).toString('hex')}`;
  private engine: Engine | undefined;
  private loadError: Error | undefined;
  readonly loaded: Promise<void>;
  private readonly flights = new Set<Flight>();
  private closing = false;
  private readonly modelId: string;

  constructor(readonly options: ServiceOptions = {}) {
    this.roots = new WorkspaceRoots(options.workspaceRoots ?? []);
    this.limiter = new ConcurrencyLimiter(options.maxConcurrency ?? 4, options.queue ?? 32);
    this.metrics = new ServiceMetrics(() => this.engine?.promptCache?.stats, this.limiter);
    this.pool = new ServerPool({
      ...options.servers,
      onEvent: (event, server) => {
        this.metrics.serverEvents.inc({ server: server.spec.id, event });
        options.servers?.onEvent?.(event, server);
      },
    });
    this.modelId = modelIdOf(options.modelDir);
    this.app = Fastify({
      logger: options.logger ? { level: 'info' } : false,
      bodyLimit: options.bodyLimitBytes ?? 8 * 2 ** 20,
      // Node checks the request timeout every `connectionsCheckingInterval` (30 s by default): check often
      // enough that a slow body is cut off near its limit.
      serverFactory: (handler) => {
        const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
        return createServer({ requestTimeout: bodyTimeoutMs, connectionsCheckingInterval: Math.min(1000, bodyTimeoutMs) }, handler);
      },
      forceCloseConnections: 'idle',
      return503OnClosing: true,
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
      schemaErrorFormatter: (errors, dataVar) => {
        const e = errors[0]!;
        const field = `${dataVar}${e.instancePath.replace(/\//g, '.')}`;
        if (e.keyword === 'additionalProperties') return new Error(`unknown field ${field}.${(e.params as { additionalProperty: string }).additionalProperty}`);
        if (e.keyword === 'required') return new Error(`${field} must have the field ${(e.params as { missingProperty: string }).missingProperty}`);
        if (e.keyword === 'enum') return new Error(`${field} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`);
        if (e.keyword === 'const') return new Error(`${field} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} (not supported otherwise)`);
        return new Error(`${field} ${e.message ?? 'is invalid'}`);
      },
    });
    this.loaded = Engine.load({ modelDir: options.modelDir, promptCacheMb: options.promptCacheMb ?? 256, batching: options.batching ?? true }).then(
      (engine) => {
        this.engine = engine;
      },
      (e: Error) => {
        this.loadError = e;
        this.app.log.error(`cannot load the model: ${e.message}`);
      },
    );
    this.routes();
  }

  private routes(): void {
    const { app, metrics } = this;
    app.addHook('onRequest', async (req, reply) => {
      reply.header('x-lsp-codegen-instance', this.instance);
      (req as { started?: number }).started = performance.now();
      if (this.options.token && !PUBLIC_ROUTES.has(req.url.split('?')[0]!)) this.authorize(req);
    });
    app.addHook('onResponse', async (req, reply) => this.record(req, reply.statusCode));
    app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
      if (error instanceof HttpError) return reply.code(error.status).headers(error.headers).send(error.body);
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (status >= 500) req.log.error(error);
      const message = status >= 500 ? `internal error: ${error.message}` : error.message;
      const first = Array.isArray(error.validation) ? (error.validation[0] as { instancePath?: string; params?: { additionalProperty?: string; missingProperty?: string } }) : undefined;
      const param = first ? [first.instancePath?.slice(1).replace(/\//g, '.'), first.params?.additionalProperty ?? first.params?.missingProperty].filter(Boolean).join('.') || null : null;
      return reply.code(status).send(new HttpError(status, message, status >= 500 ? 'server_error' : 'invalid_request_error', param, error.code ?? null).body);
    });
    app.setNotFoundHandler((req, reply) => {
      reply.code(404).send(new HttpError(404, `no route ${req.method} ${req.url.split('?')[0]}`, 'invalid_request_error', null, 'not_found').body);
    });

    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      if (this.engine && !this.closing) return { status: 'ready', model: this.modelId };
      const why = this.closing ? 'shutting down' : this.loadError ? `model failed to load: ${this.loadError.message}` : 'loading the model';
      return reply.code(503).send({ status: 'not-ready', reason: why });
    });
    app.get('/metrics', async (_req, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    app.get('/v1/models', async () => ({
      object: 'list',
      data: [{ id: this.modelId, object: 'model', created: 0, owned_by: 'lsp-codegen' }],
    }));
    app.post('/v1/completions', { schema: { body: completionBody } }, (req, reply) => this.handle(req, reply, 'completion'));
    app.post('/v1/plan', { schema: { body: planBody } }, (req, reply) => this.handle(req, reply, 'plan'));
  }

  /** Counts a finished request and its latency (from its arrival to the end of its response). */
  private record(req: FastifyRequest, status: number): void {
    const route = req.routeOptions.url ?? 'unknown';
    this.metrics.requests.inc({ route, method: req.method, status: String(status) });
    this.metrics.latency.observe({ route }, (performance.now() - ((req as { started?: number }).started ?? performance.now())) / 1000);
  }

  private authorize(req: FastifyRequest): void {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), digest(this.options.token!))) {
      throw new HttpError(401, 'a valid "Authorization: Bearer <token>" header is required', 'authentication_error', null, 'invalid_api_key', { 'www-authenticate': 'Bearer' });
    }
  }

  /** Why the model could not be loaded, if it could not. */
  get loadFailure(): Error | undefined {
    return this.loadError;
  }

  private requireEngine(): Engine {
    if (this.closing) throw new HttpError(503, 'the service is shutting down', 'server_error', null, 'shutting_down', { 'retry-after': '1' });
    if (this.engine) return this.engine;
    if (this.loadError) throw new HttpError(503, `the model failed to load: ${this.loadError.message}`, 'server_error', null, 'model_unavailable');
    throw new HttpError(503, 'the model is still loading', 'server_error', null, 'loading', { 'retry-after': '1' });
  }

  private checkModel(model: string | undefined): void {
    if (model !== undefined && model !== this.modelId) {
      throw new HttpError(404, `model "${model}" is not served here (this service serves "${this.modelId}")`, 'invalid_request_error', 'model', 'model_not_found');
    }
  }

  /**
   * Runs a generating request: checks it, waits for a slot (429 when the queue is full), and cancels it when the
   * client goes away, the request timeout passes or the service shuts down — freeing the slot at once.
   */
  private async handle(req: FastifyRequest, reply: FastifyReply, kind: 'completion' | 'plan'): Promise<void> {
    const engine = this.requireEngine();
    const body = req.body as CompletionBody & PlanBody;
    this.checkModel(body.model);
    const flight = this.flight();
    const onClose = () => {
      if (!reply.raw.writableEnded) flight.cancel('client-disconnect');
    };
    reply.raw.on('close', onClose);
    const timer = setTimeout(() => flight.cancel('timeout'), this.options.requestTimeoutMs ?? 60_000);
    this.flights.add(flight);
    const { signal } = flight;
    try {
      // Everything that can be refused is refused before a slot is taken.
      const context = this.context(engine);
      const prepared = await (kind === 'completion' ? prepareCompletion(context, body, signal) : preparePlan(context, body, signal));
      let release: () => void;
      try {
        release = await this.limiter.acquire(signal);
      } catch (e) {
        if (e instanceof QueueFull) {
          this.metrics.rejected.inc();
          throw new HttpError(429, e.message, 'rate_limit_error', null, 'queue_full', { 'retry-after': '1' });
        }
        throw e;
      }
      try {
        if (body.stream) {
          const sse = new SseStream(reply, this.instance);
          await prepared.stream(sse);
          this.record(req, 200); // a stream bypasses fastify's response hooks
        } else {
          const result = await prepared.json();
          if (signal.aborted) throw signal.reason;
          await reply.send(result);
        }
      } finally {
        release();
      }
    } catch (e) {
      if (signal.aborted && !(e instanceof HttpError && e.status < 500)) throw signal.reason;
      throw e;
    } finally {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
      this.flights.delete(flight);
    }
  }

  /** A request's cancellation: the first reason aborts it with the matching error (504 timeout, 503 otherwise) and is counted. */
  private flight(): Flight {
    const controller = new AbortController();
    return {
      signal: controller.signal,
      cancel: (reason) => {
        if (controller.signal.aborted) return;
        this.metrics.cancelled.inc({ reason });
        controller.abort(new HttpError(reason === 'timeout' ? 504 : 503, cancelMessage(reason, this.options.requestTimeoutMs ?? 60_000), 'server_error', null, reason));
      },
    };
  }

  private context(engine: Engine) {
    return { engine, pool: this.pool, roots: this.roots, metrics: this.metrics, options: this.options, modelId: this.modelId };
  }

  async listen(host: string, port: number): Promise<string> {
    return this.app.listen({ host, port });
  }

  /**
   * Graceful shutdown: stop accepting (new requests get 503), let in-flight requests finish for `graceMs`,
   * cancel what is left, then stop the language servers and release the model.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = this.app.close();
    const deadline = Date.now() + graceMs;
    while (this.flights.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const flight of this.flights) flight.cancel('shutdown');
    await closed;
    await this.loaded;
    await Promise.all([this.pool.dispose(), this.engine?.dispose()]);
  }
}

function cancelMessage(reason: CancelReason, timeoutMs: number): string {
  if (reason === 'timeout') return `the request took longer than the service's limit of ${timeoutMs} ms`;
  if (reason === 'shutdown') return 'the service is shutting down';
  return 'the client went away';
}

/** The name clients use for the model: its folder's name (`code-lm-19m`), or `_name_or_path` from its config. */
function modelIdOf(dir: string | undefined): string {
  if (!dir) return 'code-lm-19m';
  try {
    const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { _name_or_path?: unknown };
    if (typeof config._name_or_path === 'string' && config._name_or_path) return basename(config._name_or_path);
  } catch {
    // the engine reports an unreadable model
  }
  return basename(dir.replace(/\/+$/, ''));
}

export type ServiceContext = ReturnType<CodegenService['context']>;
