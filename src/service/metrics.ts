import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PromptCacheStats } from '../decode/prompt-cache.js';
import { degradedReason, type MonitorReport } from '../monitor/types.js';

/** Why a request stopped before it was done. */
export type CancelReason = 'client-disconnect' | 'timeout' | 'shutdown';

/** The service's Prometheus metrics, on a registry of its own (several services may share a process in tests). */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'lsp_codegen_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'lsp_codegen_http_request_duration_seconds',
    help: 'Time from request to the end of the response (streams included), by route',
    labelNames: ['route'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [this.registry],
  });
  readonly tokens = new Counter({ name: 'lsp_codegen_tokens_generated_total', help: 'Tokens generated', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'lsp_codegen_requests_rejected_total', help: 'Requests refused because the queue was full', registers: [this.registry] });
  readonly cancelled = new Counter({
    name: 'lsp_codegen_requests_cancelled_total',
    help: 'Generations stopped before their end, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly serverEvents = new Counter({
    name: 'lsp_codegen_language_server_events_total',
    help: 'Language server starts, restarts, request timeouts and unexpected exits',
    labelNames: ['server', 'event'] as const,
    registers: [this.registry],
  });
  readonly triggers = new Counter({
    name: 'lsp_codegen_monitor_triggers_total',
    help: 'Monitor triggers, by monitor, whether they degraded to free decoding and why',
    labelNames: ['monitor', 'degraded', 'reason'] as const,
    registers: [this.registry],
  });

  /** `promptCache` and `slots` are read when the metrics are scraped: those gauges are never out of date. */
  constructor(promptCache: () => PromptCacheStats | undefined, slots: { readonly waiting: number; readonly active: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'lsp_codegen_' });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect: function (this: Gauge) {
        this.set(read());
      } });
    gauge('lsp_codegen_queue_depth', 'Requests waiting for a slot', () => slots.waiting);
    gauge('lsp_codegen_requests_in_flight', 'Requests holding a slot', () => slots.active);
    const cache = (name: string, help: string, key: keyof PromptCacheStats) => gauge(`lsp_codegen_prompt_cache_${name}`, help, () => promptCache()?.[key] ?? 0);
    cache('hits', 'Prefills that reused cached keys/values (cumulative)', 'hits');
    cache('misses', 'Prefills that found nothing to reuse (cumulative)', 'misses');
    cache('reused_tokens', 'Prompt tokens taken from the cache (cumulative)', 'reusedTokens');
    cache('prefilled_tokens', 'Prompt tokens the model read (cumulative)', 'prefilledTokens');
  }

  countTriggers(report: MonitorReport): void {
    for (const t of report.triggers) {
      this.triggers.inc({ monitor: t.monitor, degraded: String(!!t.degraded), reason: t.degraded ? degradedReason(t) : '' });
    }
  }
}
