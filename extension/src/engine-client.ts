/** Talks to an `lsp-codegen serve` engine (local or remote) over its HTTP API. */

export interface Endpoint {
  readonly url: string;
  readonly token?: string | undefined;
}

export interface CompletionBody {
  workspace?: string;
  file?: string;
  position?: { line: number; character: number };
  text?: string;
  prompt?: string;
  suffix?: string;
  max_tokens: number;
  temperature: number;
  monitors?: boolean;
  stop_mode?: 'line' | 'statement' | 'block';
}

export interface MonitorInfo {
  readonly enabled: boolean;
  readonly degraded: boolean;
  readonly triggers: readonly { readonly chosen: string; readonly degraded: boolean; readonly reason?: string; readonly latency_ms: number }[];
}

export interface CompletionAnswer {
  readonly text: string;
  readonly finishReason: string;
  readonly tokens: number;
  readonly monitor: MonitorInfo | undefined;
}

/** The engine could not be reached or refused the request; `message` is meant for the user. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    message: string,
    /** HTTP status, or undefined when the engine was not reached at all. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export class EngineClient {
  constructor(private readonly endpoint: () => Promise<Endpoint>) {}

  async complete(body: CompletionBody, signal: AbortSignal): Promise<CompletionAnswer> {
    const { url, token } = await this.endpoint();
    let res: Response;
    try {
      res = await fetch(`${url.replace(/\/+$/, '')}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body.workspace ? { 'x-workspace': body.workspace } : {}) },
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new EngineError(`the engine at ${url} is unreachable: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const json = (await res.json().catch(() => undefined)) as
      | { choices?: { text: string; finish_reason: string }[]; usage?: { completion_tokens: number }; monitor?: MonitorInfo; error?: { message: string } }
      | undefined;
    if (!res.ok || !json?.choices?.[0]) {
      throw new EngineError(`the engine refused the request (${res.status}): ${json?.error?.message ?? 'no answer'}`, res.status);
    }
    return { text: json.choices[0].text, finishReason: json.choices[0].finish_reason, tokens: json.usage?.completion_tokens ?? 0, monitor: json.monitor };
  }
}
