import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/engine/package-root.js';
import { loadDataset } from '../../src/eval/dataset.js';
import { readRecords } from '../../src/eval/run.js';

const tmp = mkdtempSync(join(tmpdir(), 'lsp-codegen-job-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The shell script a container of `manifest` runs (its `args: - |` block) and its environment values. */
function container(manifest: string): { script: string; env: Record<string, string> } {
  const text = readFileSync(join(packageRoot(), 'deploy', manifest), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s*- \|\s*$/.test(l));
  const indent = /^\s*/.exec(lines[start + 1]!)![0].length;
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l.trim() && /^\s*/.exec(l)![0].length < indent) break;
    body.push(l.slice(indent));
  }
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/- name: (\w+)\n\s+value: "?([^"\n]*)"?/g)) env[m[1]!] = m[2]!;
  return { script: body.join('\n'), env };
}

/** Runs a container's script here: /data is a temporary folder, /opt/lsp-codegen this checkout. */
function runContainer(script: string, env: Record<string, string>): { code: number | null; stderr: string } {
  const local = script.replace(/\/data(?=[/\s"]|$)/gm, join(tmp, 'data')).replaceAll('/opt/lsp-codegen', packageRoot());
  const r = spawnSync('/bin/sh', ['-c', local], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('deploy/eval-job.yaml (the Indexed Job’s commands, run here pod by pod)', () => {
  it('shards with JOB_COMPLETION_INDEX, resumes past a dead pod’s lock, and the merge Job merges and reports', () => {
    const job = readFileSync(join(packageRoot(), 'deploy', 'eval-job.yaml'), 'utf8');
    const completions = Number(/completions: (\d+)/.exec(job)![1]);
    expect(Number(/parallelism: (\d+)/.exec(job)![1])).toBe(completions);
    const { script, env } = container('eval-job.yaml');
    expect(Number(env['SHARDS'])).toBe(completions);
    expect(script).toContain('--shard "$JOB_COMPLETION_INDEX/$SHARDS"');

    // A small dataset on the volume (the fixture sites, with the fixture repositories beside them).
    mkdirSync(join(tmp, 'data'), { recursive: true });
    const sites = loadDataset(join(packageRoot(), 'fixtures', 'sites.jsonl')).filter((s) => s.language === 'typescript' && s.kind === 'deref').slice(0, 3);
    writeFileSync(join(tmp, 'data', 'dataset.jsonl'), sites.map((s) => JSON.stringify(s)).join('\n') + '\n');
    // Two pods (a smaller Job: SHARDS=2), greedy only to keep the test short.
    const podEnv = { ...env, SHARDS: '2', CONFIGS: 'greedy' };
    // Pod 1 died once and left its lock: the replacement takes the shard over.
    mkdirSync(join(tmp, 'data', 'results', 'shard-1'), { recursive: true });
    writeFileSync(join(tmp, 'data', 'results', 'shard-1', '.lock'), '1@lsp-codegen-eval-1-dead');
    for (const index of [0, 1]) {
      const pod = runContainer(script, { ...podEnv, JOB_COMPLETION_INDEX: String(index) });
      expect(pod.code, pod.stderr).toBe(0);
      expect(readRecords(join(tmp, 'data', 'results', `shard-${index}`))).toHaveLength(index === 0 ? 2 : 1);
    }
    const merge = runContainer(container('eval-merge-job.yaml').script, {});
    expect(merge.code, merge.stderr).toBe(0);
    const merged = readRecords(join(tmp, 'data', 'results', 'merged'));
    expect(merged.map((r) => r.site).sort()).toEqual(sites.map((s) => s.id).sort());
    expect(existsSync(join(tmp, 'data', 'results', 'merged', 'report.html'))).toBe(true);
  }, 600_000);
});
