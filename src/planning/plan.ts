import { beamSearch } from '../decode/beam.js';
import { CountingModel } from '../decode/counting-model.js';
import { generate, type DecodeOptions } from '../decode/generate.js';
import { resolve } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { isInsideRoot } from '../engine/workspace.js';
import { OFFLINE_WARMUP_MS } from '../lsp/pool.js';
import { monitorSet, type MonitorOptions } from '../engine/monitors.js';
import type { MonitorSet } from '../monitor/monitor-set.js';
import type { MonitorReport } from '../monitor/types.js';
import { limitConcurrency } from '../sandbox/limit-concurrency.js';
import { planTests, runTests } from '../sandbox/test-runner.js';
import { LmPolicy } from './lm-policy.js';
import { planSearch, type StopReason } from './mcts.js';
import type { Problem } from './problem.js';

export type Strategy = 'pgtd' | 'sample' | 'greedy' | 'beam';
export const STRATEGIES: readonly Strategy[] = ['pgtd', 'sample', 'greedy', 'beam'];

export interface PlanOptions {
  readonly strategy: Strategy;
  /** Programs to generate (rollouts for PG-TD, beams, samples); greedy makes one. Default 8. */
  readonly budget?: number;
  readonly seed?: number;
  /** Tokens per program at most. Default 192. */
  readonly maxTokens?: number;
  /** PG-TD: model forward passes at most. */
  readonly maxForwardPasses?: number;
  /** Wall-clock limit of the search. */
  readonly timeLimitMs?: number;
  /** PG-TD: keep the tree and sequence caches (default true). */
  readonly caches?: boolean;
  /** Sampling temperature for `sample` (default 0.8). */
  readonly temperature?: number;
  /** Sandbox wall-clock limit per test run (default 5000 ms). */
  readonly testTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Guide generation with the monitors: the program is written as `problem.path` inside this workspace (as an
   * in-memory document) and the monitors (`kinds`, default all) constrain it to what its language server allows.
   */
  readonly monitor?: MonitorOptions;
  /** Progress: programs made so far and the best public-test score. */
  readonly onProgress?: (done: number, budget: number, best: number) => void;
}

export interface PlanResult {
  readonly problemId: string;
  readonly strategy: Strategy;
  readonly program: string;
  /** Public and hidden test pass rates of the chosen program. */
  readonly publicPassRate: number;
  readonly hiddenPassRate: number;
  /**
   * Tests of a form the judge cannot decide outside the sandbox (see `runTests`): their outcomes could be forged
   * by a hostile program. 0 and 0 for problems whose tests are all of the judged forms.
   */
  readonly forgeableTests: { readonly public: number; readonly hidden: number };
  readonly stats: {
    readonly programsGenerated: number;
    /** Distinct programs run on the public tests. */
    readonly programsEvaluated: number;
    readonly forwardPasses: number;
    readonly treeCacheHits: number;
    readonly sequenceCacheHits: number;
    readonly rewardCacheHits: number;
    readonly stoppedBy: StopReason | 'done';
    /** Monitor triggers on the chosen program (with `monitor`). */
    readonly monitor?: MonitorReport;
    readonly timeMs: number;
  };
}

/** Test runs in parallel at most: the machine has two cores. */
const sandboxSlots = limitConcurrency(2);

/**
 * Solves `problem` with one strategy under a program budget: PG-TD tree search, or a baseline (greedy,
 * beam search, sampling + filtering). Programs are scored on the public tests in the sandbox; the best one
 * is then run on the hidden tests.
 */
export async function plan(engine: Engine, problem: Problem, options: PlanOptions): Promise<PlanResult> {
  const started = performance.now();
  const budget = options.strategy === 'greedy' ? 1 : (options.budget ?? 8);
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`budget must be a positive integer, got ${budget}`);
  const maxTokens = options.maxTokens ?? 192;
  const input = { prefix: problem.prompt, path: problem.path };
  const prompt = engine.prompt(input, maxTokens);
  let monitor: MonitorSet | undefined;
  if (options.monitor) {
    const file = resolve(options.monitor.workspace, problem.path);
    if (!isInsideRoot(resolve(options.monitor.workspace), file)) {
      throw new RangeError(`problem ${problem.id}: its path ${problem.path} leads outside the workspace ${options.monitor.workspace}`);
    }
    // Offline work: wait for the project to load (up to the readiness budget) rather than plan unmonitored.
    await options.monitor.pool.warmUp(options.monitor.workspace, file, problem.prompt, OFFLINE_WARMUP_MS);
    monitor = monitorSet(options.monitor, file, { before: problem.prompt, after: '', language: problem.language, healed: prompt.healed }, engine.tokenizer);
  }
  const decode: DecodeOptions = {
    maxTokens,
    eosIds: engine.eosIds,
    stopMode: 'block',
    stopContext: engine.stopContext(input),
    forcedPrefix: prompt.healed,
    signal: options.signal,
    processors: monitor ? [monitor] : undefined,
  };
  const limits = { timeoutMs: options.testTimeoutMs ?? 5000 };
  const score = (program: string, tests: readonly string[]) =>
    sandboxSlots(() => runTests({ language: problem.language, code: program, tests }, limits)).then((r) => r.passRate);
  const publicScore = (program: string) => score(program, problem.publicTests);
  const model = new CountingModel(engine.model);
  const vocab = engine.tokenizer.vocab;
  const programOf = (generated: string) => problem.prompt + generated;

  let best: { program: string; reward: number };
  let stats: Omit<PlanResult['stats'], 'forwardPasses' | 'timeMs'>;
  if (options.strategy === 'pgtd') {
    const policy = new LmPolicy(model, vocab, prompt.ids, { decode, program: programOf, caches: options.caches ?? true });
    const search = await planSearch(policy, publicScore, {
      // The budget is distinct programs, as for the baselines; rollouts that land on a known program (the
      // sequence cache) are cheap and are capped separately.
      maxPrograms: budget,
      rollouts: budget * 8,
      maxForwardPasses: options.maxForwardPasses,
      timeLimitMs: options.timeLimitMs,
      signal: options.signal,
      onRollout: (done, b) => options.onProgress?.(done, budget, b),
    });
    best = search.best ?? { program: problem.prompt, reward: 0 };
    stats = {
      programsGenerated: search.rollouts,
      programsEvaluated: search.programsEvaluated,
      treeCacheHits: policy.stats.treeCacheHits,
      sequenceCacheHits: policy.stats.sequenceCacheHits,
      rewardCacheHits: search.rewardCacheHits,
      stoppedBy: search.stoppedBy,
    };
  } else {
    const programs: string[] = [];
    if (options.strategy === 'beam') {
      const beams = await beamSearch(model, vocab, prompt.ids, { ...decode, numBeams: budget });
      programs.push(...beams.hypotheses.map((h) => programOf(h.text)));
    } else {
      for (let i = 0; i < budget; i++) {
        const sampled = options.strategy === 'sample';
        const seed = sampled ? (options.seed ?? 0) * 1000 + i : undefined;
        const out = await generate(model, vocab, prompt.ids, { ...decode, temperature: sampled ? (options.temperature ?? 0.8) : 0, topP: sampled ? 0.95 : undefined, seed });
        programs.push(programOf(out.text));
        options.onProgress?.(i + 1, budget, 0);
      }
    }
    const unique = [...new Set(programs)];
    const rewards = await Promise.all(unique.map(publicScore));
    // The first program (likeliest beam, first sample) wins ties.
    const bestIndex = rewards.reduce((b, r, i) => (r > rewards[b]! ? i : b), 0);
    best = { program: unique[bestIndex]!, reward: rewards[bestIndex]! };
    options.onProgress?.(programs.length, budget, best.reward);
    stats = {
      programsGenerated: programs.length,
      programsEvaluated: unique.length,
      treeCacheHits: 0,
      sequenceCacheHits: 0,
      rewardCacheHits: programs.length - unique.length,
      stoppedBy: 'done',
    };
  }
  const hidden = problem.hiddenTests.length ? await score(best.program, problem.hiddenTests) : 0;
  const monitorReport = monitor ? await monitor.report(best.program.slice(problem.prompt.length)) : undefined;
  const forgeable = async (tests: readonly string[]) => (await planTests(problem.language, tests)).filter((p) => p.kind === 'forgeable').length;
  return {
    problemId: problem.id,
    strategy: options.strategy,
    program: best.program,
    publicPassRate: best.reward,
    hiddenPassRate: hidden,
    forgeableTests: { public: await forgeable(problem.publicTests), hidden: await forgeable(problem.hiddenTests) },
    stats: {
      ...stats,
      forwardPasses: model.calls,
      timeMs: Math.round(performance.now() - started),
      ...(monitorReport ? { monitor: monitorReport } : {}),
    },
  };
}
