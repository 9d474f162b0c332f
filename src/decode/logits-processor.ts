/** What a processor may look at: one sequence of the batch at the current step. */
export interface SequenceView {
  /** Row of the batch this sequence occupies at this step. */
  readonly row: number;
  readonly promptIds: readonly number[];
  /** Tokens generated so far (not including the one being chosen). */
  readonly generatedIds: readonly number[];
  /** Text of `generatedIds` (complete characters only). */
  readonly generatedText: string;
  /** Aborted when the generation is cancelled; a processor awaiting something should give up. */
  readonly signal: AbortSignal | undefined;
}

/**
 * A constraint on the next token of one sequence. `process` masks (writes `-Infinity`) or reweights `logits`
 * **in place**; `logits` holds one vocabulary row. It may return a promise: the step waits for it (a monitor that
 * asks a language server does this), so a processor must bound its own waiting.
 *
 * Processors are kept stateless across sequences: whatever they need comes from the `SequenceView`, so beam
 * search may reorder and fork rows freely.
 */
export interface LogitsProcessor {
  process(sequence: SequenceView, logits: Float32Array): void | Promise<void>;
  /**
   * Optional check of the token chosen from the processed `logits`. Return true after masking more of `logits`
   * in place to have the token chosen again from them (the chosen token must be among the masked ones). A
   * monitor uses this where the constraint is only worth computing once the model actually reaches for it —
   * a token that carries a dot and the member after it (`.readFileSync`) — which gives the same distribution
   * as masking up front.
   */
  review?(sequence: SequenceView, token: number, logits: Float32Array): boolean | Promise<boolean>;
}

/** A chain of processors, applied in order; itself a processor. */
export class LogitsProcessorList implements LogitsProcessor {
  private readonly processors: LogitsProcessor[];

  constructor(processors: Iterable<LogitsProcessor> = []) {
    this.processors = [...processors];
  }

  get length(): number {
    return this.processors.length;
  }

  push(processor: LogitsProcessor): this {
    this.processors.push(processor);
    return this;
  }

  process(sequence: SequenceView, logits: Float32Array): void | Promise<void> {
    for (let i = 0; i < this.processors.length; i++) {
      const pending = this.processors[i]!.process(sequence, logits);
      // Stay synchronous until a processor actually needs to wait.
      if (pending) return pending.then(() => this.processFrom(i + 1, sequence, logits));
    }
  }

  get reviews(): boolean {
    return this.processors.some((p) => p.review);
  }

  async review(sequence: SequenceView, token: number, logits: Float32Array): Promise<boolean> {
    for (const p of this.processors) if (p.review && (await p.review(sequence, token, logits))) return true;
    return false;
  }

  private async processFrom(start: number, sequence: SequenceView, logits: Float32Array): Promise<void> {
    for (let i = start; i < this.processors.length; i++) await this.processors[i]!.process(sequence, logits);
  }
}
