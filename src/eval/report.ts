import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ManifestError, readManifest, type RunManifest } from './manifest.js';
import { scoreAtK } from './metrics.js';
import { readRecords, type EvalRecord } from './run.js';

/** The two tasks a results folder can hold: the monitors' sites (rest of the method) and line completion. */
export type Task = 'monitor' | 'line';
const TASK_TITLE: Record<Task, string> = { monitor: 'monitor sites (rest of the method)', line: 'line completion (rest of the line)' };
export const taskOf = (r: Pick<EvalRecord, 'kind'>): Task => (r.kind === 'line' ? 'line' : 'monitor');

const METRICS = { monitor: ['cr', 'nim', 'ism', 'pm'], line: ['em', 'es', 'cr'] } as const;
type Metric = 'cr' | 'nim' | 'ism' | 'pm' | 'em' | 'es';
const LABEL: Record<Metric, string> = { cr: 'CR', nim: 'NIM', ism: 'ISM', pm: 'PM', em: 'EM', es: 'ES' };

export interface ConfigSummary {
  readonly task: Task;
  readonly config: string;
  /** Sites with at least one result. */
  readonly sites: number;
  /** Samples each site should have: 1 for greedy, else the most any site has (the run's `--samples`). */
  readonly n: number;
  /** Sites with all n samples: score@k is computed over these only. */
  readonly complete: number;
  /** score@k for k = 1..n, per metric, averaged over the complete sites (percent). */
  readonly atK: Partial<Record<Metric, number[]>>;
  readonly meanLatencyMs: number;
  readonly triggers: number;
  readonly degradedTriggers: number;
  /** Undefined for results written before timeouts were recorded. */
  readonly timeouts: number | undefined;
}

const valueOf = (r: EvalRecord, m: Metric): number => (m === 'cr' ? (r.compiles ? 1 : 0) : (r[m] ?? 0));

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * The samples each site of one configuration should have — 1 for greedy, else the run's `samples` (or the most
 * any site has) — and the sites that have them all, each with its first n samples in order.
 */
function completeSites(config: string, records: readonly EvalRecord[], samples?: number): { n: number; sites: number; complete: Map<string, EvalRecord[]> } {
  const bySite = groupBy(records, (r) => r.site);
  const n = config.startsWith('greedy') ? 1 : (samples ?? Math.max(...[...bySite.values()].map((rs) => rs.length)));
  const complete = new Map<string, EvalRecord[]>();
  for (const [site, rs] of bySite) if (rs.length >= n) complete.set(site, [...rs].sort((a, b) => a.sample - b.sample).slice(0, n));
  return { n, sites: bySite.size, complete };
}

/**
 * Per task and configuration: score@k (k = 1..n) of each metric over the sites that have all n samples (a site
 * an interruption left with fewer is counted in `sites`, not in the scores), latency and degraded triggers.
 * `samples` is the run's sample count when known (else the most any site has).
 */
export function summarize(records: readonly EvalRecord[], samples?: number, configs?: readonly string[]): ConfigSummary[] {
  const out: ConfigSummary[] = [];
  for (const [groupKey, mine] of groupBy(records, (r) => `${taskOf(r)}\0${r.config}`)) {
    const [task, config] = groupKey.split('\0') as [Task, string];
    const { n, sites, complete: bySite } = completeSites(config, mine, samples);
    const complete = [...bySite.values()];
    const atK: Partial<Record<Metric, number[]>> = {};
    for (const m of METRICS[task]) {
      atK[m] = Array.from({ length: n }, (_, i) => (complete.length ? (100 * complete.reduce((s, rs) => s + scoreAtK(rs.map((r) => valueOf(r, m)), i + 1), 0)) / complete.length : NaN));
    }
    out.push({
      task,
      config,
      sites,
      n,
      complete: complete.length,
      atK,
      meanLatencyMs: mine.reduce((s, r) => s + r.latencyMs, 0) / mine.length,
      triggers: mine.reduce((s, r) => s + r.triggers, 0),
      degradedTriggers: mine.reduce((s, r) => s + r.degradedTriggers, 0),
      timeouts: mine.some((r) => r.timeouts !== undefined) ? mine.reduce((s, r) => s + (r.timeouts ?? 0), 0) : undefined,
    });
  }
  // Monitor sites first, then line sites; within a task in the run's order of configurations (when known).
  const rank = (c: string) => (configs?.includes(c) ? configs.indexOf(c) : Infinity);
  return out.sort((a, b) => (a.task === b.task ? rank(a.config) - rank(b.config) || 0 : a.task === 'monitor' ? -1 : 1));
}

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));

/** One task's summaries as a Markdown table: score@1 and score@n of each metric. */
export function markdownTable(summaries: readonly ConfigSummary[]): string {
  const task = summaries[0]?.task ?? 'monitor';
  const metrics = METRICS[task];
  const head = ['configuration', 'sites (all n samples / any)', 'n', ...metrics.map((m) => `${LABEL[m]}@1`), ...metrics.map((m) => `${LABEL[m]}@n`), 'mean latency', 'degraded / triggers (timeouts)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const s of summaries) {
    lines.push(
      `| ${[
        s.config,
        s.complete === s.sites ? s.sites : `${s.complete} / ${s.sites}`,
        s.n,
        ...metrics.map((m) => pct(s.atK[m]?.[0])),
        ...metrics.map((m) => (s.n > 1 ? pct(s.atK[m]?.[s.n - 1]) : '–')),
        `${Math.round(s.meanLatencyMs)} ms`,
        `${s.degradedTriggers} / ${s.triggers} (${s.timeouts ?? '–'})`,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
/** Marker shapes, so configurations with equal scores stay visible where their points coincide. */
const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross', 'triangle-down'] as const;

function marker(shape: (typeof MARKERS)[number], cx: number, cy: number, color: string): string {
  const r = 4;
  switch (shape) {
    case 'circle':
      return `<circle cx="${cx}" cy="${cy}" r="${r + 2}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    case 'square':
      return `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${color}" fill-opacity="0.6"/>`;
    case 'triangle':
      return `<polygon points="${cx},${cy - r - 1} ${cx - r},${cy + r} ${cx + r},${cy + r}" fill="${color}" fill-opacity="0.6"/>`;
    case 'triangle-down':
      return `<polygon points="${cx},${cy + r + 1} ${cx - r},${cy - r} ${cx + r},${cy - r}" fill="${color}" fill-opacity="0.6"/>`;
    case 'diamond':
      return `<polygon points="${cx},${cy - r - 1} ${cx + r + 1},${cy} ${cx},${cy + r + 1} ${cx - r - 1},${cy}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    case 'cross':
      return `<path d="M${cx - r},${cy - r}L${cx + r},${cy + r}M${cx - r},${cy + r}L${cx + r},${cy - r}" stroke="${color}" stroke-width="1.5"/>`;
  }
}

/**
 * An SVG line plot of score@k for one metric, a line per configuration. Each configuration has its own marker
 * shape and dash pattern and is nudged sideways a little, so equal scores never hide one another.
 */
export function svgPlot(summaries: readonly ConfigSummary[], metric: Metric): string {
  const W = 320;
  const H = 220;
  const pad = { l: 40, r: 16, t: 24, b: 30 };
  const maxK = Math.max(1, ...summaries.map((s) => s.n));
  const x = (k: number) => pad.l + (maxK === 1 ? (W - pad.l - pad.r) / 2 : ((k - 1) / (maxK - 1)) * (W - pad.l - pad.r));
  const y = (v: number) => pad.t + (1 - v / 100) * (H - pad.t - pad.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${W / 2}" y="14" text-anchor="middle" font-weight="bold">${LABEL[metric]}@k</text>`);
  for (const v of [0, 25, 50, 75, 100]) {
    parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${pad.l - 4}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (let k = 1; k <= maxK; k++) parts.push(`<text x="${x(k)}" y="${H - 12}" text-anchor="middle">${k}</text>`);
  summaries.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const nudge = (i - (summaries.length - 1) / 2) * 3;
    const values = s.atK[metric] ?? [];
    const pts = values.filter((v) => !Number.isNaN(v)).map((v, j) => [x(j + 1) + nudge, y(v)] as const);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${i === 0 ? '' : `${2 + 2 * i},3`}" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) parts.push(marker(MARKERS[i % MARKERS.length]!, Number(a.toFixed(1)), Number(b.toFixed(1)), color));
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A word-level diff of a generation against the target: `<ins>` what only the generation has, `<del>` what only
 * the target has (longest common subsequence over words, spaces and punctuation).
 */
export function diffHtml(generation: string, target: string): string {
  const split = (s: string) => s.match(/\s+|[\p{L}\p{N}_$]+|[^\s\p{L}\p{N}_$]/gu) ?? [];
  const a = split(target).slice(0, 400);
  const b = split(generation).slice(0, 400);
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(escape(a[i]!));
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`<ins>${escape(b[j++]!)}</ins>`);
    else out.push(`<del>${escape(a[i++]!)}</del>`);
  }
  return out.join('').replace(/<\/ins><ins>|<\/del><del>/g, '');
}

function reportHeader(records: readonly EvalRecord[], manifest: RunManifest | undefined): string[] {
  const lines = [`${new Set(records.map((r) => r.site)).size} sites, ${records.length} generations. score@k in percent (unbiased estimator over the n samples of each site with all n; greedy n = 1).`];
  if (manifest) {
    lines.push(`Model: ${manifest.model.name} (${manifest.model.sha256.slice(0, 12)}); dataset ${manifest.dataset.sha256.slice(0, 12)} (${manifest.dataset.sites} sites).`);
    const checkers = Object.entries(manifest.checkers);
    if (checkers.length) lines.push(`CR judged by: ${checkers.map(([repo, c]) => `${repo} — ${c}`).join('; ')}.`);
    if (manifest.shards) lines.push(`Partial: shards ${manifest.shards.indices.join(', ')} of ${manifest.shards.count} only.`);
  }
  return lines;
}

/** Writes `report.md` and a self-contained `report.html` (tables, score@k plots, per-site diffs with filters) to `dir`. */
export function writeReport(dir: string, records: readonly EvalRecord[], manifest?: RunManifest, title = 'lsp-codegen evaluation'): { markdown: string; summaries: ConfigSummary[] } {
  const summaries = summarize(records, manifest?.samples, manifest?.configs);
  const tasks = [...new Set(summaries.map((s) => s.task))];
  const header = reportHeader(records, manifest);
  const tables = tasks.map((t) => ({ task: t, table: markdownTable(summaries.filter((s) => s.task === t)) }));
  const markdown = `# ${title}\n\n${header.join('\n')}\n\n${tables.map((t) => `## ${TASK_TITLE[t.task]}\n\n${t.table}\n`).join('\n')}`;
  writeFileSync(join(dir, 'report.md'), markdown);

  const tableHtml = (table: string) =>
    `<table>${table
      .split('\n')
      .filter((l) => !/^\|-/.test(l))
      .map((l, i) => `<tr>${l.slice(1, -1).split('|').map((c) => (i === 0 ? `<th>${escape(c.trim())}</th>` : `<td>${escape(c.trim())}</td>`)).join('')}</tr>`)
      .join('\n')}</table>`;
  const sections = tables
    .map(({ task, table }) => {
      const mine = summaries.filter((s) => s.task === task);
      const legend = mine.map((s, i) => `<span style="color:${COLORS[i % COLORS.length]}">${MARKERS[i % MARKERS.length]} ${escape(s.config)}</span>`).join(' &nbsp; ');
      return `<h2>${escape(TASK_TITLE[task])}</h2>${tableHtml(table)}<p>${legend}</p><div class="plots">${METRICS[task].map((m) => svgPlot(mine, m)).join('')}</div>`;
    })
    .join('\n');
  const configs = [...new Set(records.map((r) => r.config))];
  const drill = [...groupBy(records, (r) => r.site).entries()]
    .map(([site, rs]) => {
      const first = rs[0]!;
      const line = taskOf(first) === 'line';
      const gens = rs
        .map((r) => {
          const hit = line ? r.em === 1 : r.nim === 1;
          const scores = line ? `EM ${r.em ? '✓' : '✗'} ES ${(100 * (r.es ?? 0)).toFixed(0)}%` : `NIM ${r.nim ? '✓' : '✗'} ISM ${(100 * r.ism).toFixed(0)}% PM ${(100 * r.pm).toFixed(0)}%`;
          return `<div class="gen" data-config="${escape(r.config)}" data-cr="${r.compiles ? 'pass' : 'fail'}" data-match="${hit ? 'pass' : 'fail'}"><b>${escape(r.config)}#${r.sample}</b> <span class="${r.compiles ? 'ok' : 'bad'}">CR ${r.compiles ? '✓' : '✗'}</span> <span class="${hit ? 'ok' : 'bad'}">${scores}</span> · ${r.latencyMs} ms${r.degradedTriggers ? ` · ${r.degradedTriggers} degraded` : ''}<pre class="diff">${diffHtml(r.generation, r.target)}</pre>${r.newErrors.length ? `<div class="err">${r.newErrors.map(escape).join('<br>')}</div>` : ''}</div>`;
        })
        .join('');
      const what = line ? `line: ${first.member}` : !first.kind || first.kind === 'deref' ? `.${first.member}` : `${first.kind}: ${first.member}`;
      return `<details class="site"><summary>${escape(first.at ?? site)} — <code>${escape(what.slice(0, 120))}</code></summary><h4>prompt (end)</h4><pre>${escape(first.promptTail)}</pre><h4>target</h4><pre>${escape(first.target)}</pre>${gens}</details>`;
    })
    .join('\n');
  const filters = `<p class="filters">configuration <select id="f-config"><option value="">all</option>${configs.map((c) => `<option>${escape(c)}</option>`).join('')}</select>
 CR <select id="f-cr"><option value="">any</option><option value="pass">compiles</option><option value="fail">new errors</option></select>
 match (NIM / EM) <select id="f-match"><option value="">any</option><option value="pass">yes</option><option value="fail">no</option></select> <span id="f-count"></span></p>`;
  const script = `<script>
const f = (id) => document.getElementById(id);
function apply() {
  const c = f('f-config').value, cr = f('f-cr').value, m = f('f-match').value;
  let shown = 0;
  for (const site of document.querySelectorAll('details.site')) {
    let any = false;
    for (const g of site.querySelectorAll('.gen')) {
      const ok = (!c || g.dataset.config === c) && (!cr || g.dataset.cr === cr) && (!m || g.dataset.match === m);
      g.style.display = ok ? '' : 'none';
      any ||= ok;
    }
    site.style.display = any ? '' : 'none';
    if (any) shown++;
  }
  f('f-count').textContent = shown + ' sites';
}
for (const id of ['f-config', 'f-cr', 'f-match']) f(id).addEventListener('change', apply);
apply();
</script>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}
pre{background:#f7f7f7;padding:6px;overflow-x:auto;font-size:12px}.ok{color:#080}.bad{color:#b00}.err{color:#b00;font-size:12px}.gen{margin:8px 0;border-left:3px solid #ddd;padding-left:8px}
ins{background:#d4f7d4;text-decoration:none}del{background:#f9d0d0}.plots{display:flex;flex-wrap:wrap;gap:12px}</style></head><body>
<h1>${escape(title)}</h1>${header.map((l) => `<p>${escape(l)}</p>`).join('')}
${sections}
<h2>Sites</h2><p>Each generation is shown as a diff against the target: <ins>written, not in the target</ins> <del>in the target, not written</del>.</p>${filters}${drill}${script}</body></html>`;
  writeFileSync(join(dir, 'report.html'), html);
  return { markdown, summaries };
}

/**
 * Two results folders of the same dataset side by side (two models, or two policies): per task, configuration
 * and metric, score@1 of each over the sites both have complete, and the difference. Writes `dirA/compare.md`.
 */
export function writeComparison(dirA: string, dirB: string): string {
  const [ma, mb] = [readManifest(dirA), readManifest(dirB)];
  if (!ma || !mb) throw new ManifestError(`${!ma ? dirA : dirB} has no run.json: cannot tell which dataset it ran`);
  if (ma.dataset.sha256 !== mb.dataset.sha256) throw new ManifestError(`${dirA} and ${dirB} ran different datasets (${ma.dataset.sha256.slice(0, 12)} vs ${mb.dataset.sha256.slice(0, 12)}): not comparable`);
  const [ra, rb] = [readRecords(dirA), readRecords(dirB)];
  const name = (dir: string, m: RunManifest) => `${basename(dir)} (${m.model.name})`;
  const lines = [`# ${name(dirA, ma)} vs ${name(dirB, mb)}`, '', `score@1 in percent over the sites both runs finished for that configuration; Δ = second − first.`, ''];
  for (const task of ['monitor', 'line'] as const) {
    const configs = [...new Set([...ra, ...rb].filter((r) => taskOf(r) === task).map((r) => r.config))];
    if (!configs.length) continue;
    const metrics = METRICS[task];
    lines.push(`## ${TASK_TITLE[task]}`, '', `| configuration | sites | ${metrics.map((m) => `${LABEL[m]}@1 first | second | Δ`).join(' | ')} |`, `|---|---|${metrics.map(() => '---|---|---').join('|')}|`);
    for (const config of configs) {
      const pick = (rs: readonly EvalRecord[]) => rs.filter((r) => taskOf(r) === task && r.config === config);
      const [a, b] = [pick(ra), pick(rb)];
      const [ca, cb] = [completeSites(config, a, ma.samples).complete, completeSites(config, b, mb.samples).complete];
      const common = [...ca.keys()].filter((s) => cb.has(s));
      if (!common.length) {
        lines.push(`| ${config} | 0 | ${metrics.map(() => '– | – | –').join(' | ')} |`);
        continue;
      }
      const keep = new Set(common);
      const [sa] = summarize(a.filter((r) => keep.has(r.site)), ma.samples);
      const [sb] = summarize(b.filter((r) => keep.has(r.site)), mb.samples);
      lines.push(`| ${config} | ${common.length} | ${metrics.map((m) => `${pct(sa!.atK[m]?.[0])} | ${pct(sb!.atK[m]?.[0])} | ${signed(sb!.atK[m]![0]! - sa!.atK[m]![0]!)}`).join(' | ')} |`);
    }
    lines.push('');
  }
  const markdown = lines.join('\n');
  writeFileSync(join(dirA, 'compare.md'), markdown);
  return markdown;
}

const signed = (x: number) => (Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);

