import type { MonitorOptions } from '../engine/monitors.js';
import { monitorKinds } from '../monitor/monitors.js';
import { resolve } from 'node:path';
import { isInsideRoot } from '../engine/workspace.js';
import { plan, type PlanResult } from '../planning/plan.js';
import { problemOf, type Problem } from '../planning/problem.js';
import { SandboxError } from '../sandbox/errors.js';
import type { ServiceContext } from './app.js';
import { asHttpError, type Prepared } from './completions.js';
import { badRequest, HttpError } from './errors.js';
import type { PlanBody } from './schemas.js';

const DEFAULT_PATHS = { typescript: 'solution.ts', javascript: 'solution.js', python: 'solution.py' } as const;

function resultJson(r: PlanResult) {
  return {
    object: 'plan.result',
    problem_id: r.problemId,
    strategy: r.strategy,
    program: r.program,
    public_pass_rate: r.publicPassRate,
    hidden_pass_rate: r.hiddenPassRate,
    forgeable_tests: r.forgeableTests,
    stats: r.stats,
  };
}

/** Checks a `/v1/plan` request (a problem given inline) and returns how to answer it. */
export async function preparePlan(ctx: ServiceContext, body: PlanBody, signal: AbortSignal): Promise<Prepared> {
  const p = body.problem;
  const problem: Problem = { id: p.id ?? 'inline', path: p.path ?? DEFAULT_PATHS[p.language], hiddenTests: p.hiddenTests ?? [], ...p };
  const invalid = problemOf(problem);
  if (invalid) throw badRequest(`problem: ${invalid}`, 'problem');
  let monitor: MonitorOptions | undefined;
  if (body.monitors !== undefined && body.workspace === undefined) throw badRequest('monitors need a workspace', 'monitors');
  if (body.workspace !== undefined) {
    const workspace = ctx.roots.workspace(body.workspace);
    if (!isInsideRoot(workspace, resolve(workspace, problem.path))) {
      throw new HttpError(403, `problem.path ${problem.path} leads outside the workspace`, 'permission_error', 'problem.path', 'outside_workspace_root');
    }
    monitor = { pool: ctx.pool, workspace, kinds: monitorKinds(body.monitors), ...(ctx.options.budgetMs !== undefined ? { budgetMs: ctx.options.budgetMs } : {}) };
  }
  const run = async (onProgress?: (done: number, budget: number, best: number) => void) => {
    try {
      const result = await plan(ctx.engine, problem, {
        strategy: body.strategy ?? 'pgtd',
        ...(body.budget !== undefined ? { budget: body.budget } : {}),
        ...(body.seed !== undefined ? { seed: body.seed } : {}),
        ...(body.max_tokens !== undefined ? { maxTokens: body.max_tokens } : {}),
        ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
        ...(body.time_limit_ms !== undefined ? { timeLimitMs: body.time_limit_ms } : {}),
        ...(monitor ? { monitor } : {}),
        ...(onProgress ? { onProgress } : {}),
        signal,
      });
      if (signal.aborted) throw signal.reason;
      if (result.stats.monitor) ctx.metrics.countTriggers(result.stats.monitor);
      return resultJson(result);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      if (e instanceof SandboxError) throw new HttpError(503, `the sandbox cannot run tests here: ${e.message}`, 'server_error', null, 'sandbox_unavailable');
      throw asHttpError(e);
    }
  };
  return {
    json: () => run(),
    async stream(sse) {
      try {
        const result = await run((done, budget, best) => sse.send({ object: 'plan.progress', programs: done, budget, best_reward: best }));
        sse.send(result);
        sse.done();
      } catch (e) {
        sse.fail(asHttpError(e));
      }
    },
  };
}
