import type { FastifyReply } from 'fastify';
import type { HttpError } from './errors.js';

/**
 * A server-sent-events response in OpenAI's style: `data: {json}` events, ended by `data: [DONE]`. Headers go
 * out at once (so a client sees the stream open before the first token); nginx is told not to buffer it. Writes
 * after the client left are dropped.
 */
export class SseStream {
  private readonly raw;

  constructor(reply: FastifyReply, instance: string) {
    reply.hijack();
    this.raw = reply.raw;
    this.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-lsp-codegen-instance': instance,
    });
    this.raw.flushHeaders();
  }

  get open(): boolean {
    return !this.raw.writableEnded && !this.raw.destroyed;
  }

  send(event: unknown): void {
    if (this.open) this.raw.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  /** Ends the stream with an error event (the status is in the event: the headers said 200 long ago). */
  fail(error: HttpError): void {
    this.send({ ...error.body, status: error.status });
    this.done();
  }

  done(): void {
    if (!this.open) return;
    this.raw.write('data: [DONE]\n\n');
    this.raw.end();
  }
}
