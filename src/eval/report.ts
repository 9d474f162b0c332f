import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scoreAtK } from './metrics.js';
import type { EvalRecord } from './run.js';

const METRICS = ['cr', 'nim', 'ism', 'pm'] as const;
type Metric = (typeof METRICS)[number];
const LABEL: Record<Metric, string> = { cr: 'CR', nim: 'NIM', ism: 'ISM', pm: 'PM' };

export interface ConfigSummary {
  readonly config: string;
  readonly sites: number;
  /** Samples per site (the smallest count over sites). */
  readonly n: number;
  /** score@k for k = 1..n, per metric, averaged over sites (percent). */
  readonly atK: Record<Metric, number[]>;
  readonly meanLatencyMs: number;
  readonly triggers: number;
  readonly degradedTriggers: number;
  /** Undefined for results written before timeouts were recorded. */
  readonly timeouts: number | undefined;
}

const valueOf = (r: EvalRecord, m: Metric) => (m === 'cr' ? (r.compiles ? 1 : 0) : r[m]);

/** Per configuration: score@k (k = 1..n) of each metric over the sites, latency and degraded triggers. */
export function summarize(records: readonly EvalRecord[]): ConfigSummary[] {
  const configs = [...new Set(records.map((r) => r.config))];
  return configs.map((config) => {
    const mine = records.filter((r) => r.config === config);
    const bySite = new Map<string, EvalRecord[]>();
    for (const r of mine) bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
    const n = Math.min(...[...bySite.values()].map((rs) => rs.length));
    const atK = {} as Record<Metric, number[]>;
    for (const m of METRICS) {
      atK[m] = Array.from({ length: n }, (_, i) => {
        const k = i + 1;
        let sum = 0;
        for (const rs of bySite.values()) sum += scoreAtK(rs.slice(0, n).map((r) => valueOf(r, m)), k);
        return (100 * sum) / bySite.size;
      });
    }
    return {
      config,
      sites: bySite.size,
      n,
      atK,
      meanLatencyMs: mine.reduce((s, r) => s + r.latencyMs, 0) / mine.length,
      triggers: mine.reduce((s, r) => s + r.triggers, 0),
      degradedTriggers: mine.reduce((s, r) => s + r.degradedTriggers, 0),
      timeouts: mine.some((r) => r.timeouts !== undefined) ? mine.reduce((s, r) => s + (r.timeouts ?? 0), 0) : undefined,
    };
  });
}

const pct = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(1));

/** The summary as a Markdown table: score@1 and score@n of each metric. */
export function markdownTable(summaries: readonly ConfigSummary[]): string {
  const head = ['configuration', 'sites', 'n', ...METRICS.map((m) => `${LABEL[m]}@1`), ...METRICS.map((m) => `${LABEL[m]}@n`), 'mean latency', 'degraded / triggers (timeouts)'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const s of summaries) {
    lines.push(
      `| ${[
        s.config,
        s.sites,
        s.n,
        ...METRICS.map((m) => pct(s.atK[m][0])),
        ...METRICS.map((m) => pct(s.atK[m][s.n - 1])),
        `${Math.round(s.meanLatencyMs)} ms`,
        `${s.degradedTriggers} / ${s.triggers} (${s.timeouts ?? '–'})`,
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** An SVG line plot of score@k for one metric, a line per configuration. */
export function svgPlot(summaries: readonly ConfigSummary[], metric: Metric): string {
  const W = 320;
  const H = 220;
  const pad = { l: 40, r: 10, t: 24, b: 30 };
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
    const pts = s.atK[metric].map((v, j) => `${x(j + 1).toFixed(1)},${y(v).toFixed(1)}`);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Writes `report.md` and a self-contained `report.html` (tables, score@k plots, per-site drill-down) to `dir`. */
export function writeReport(dir: string, records: readonly EvalRecord[], title = 'lsp-codegen evaluation'): { markdown: string; summaries: ConfigSummary[] } {
  const summaries = summarize(records);
  const table = markdownTable(summaries);
  const sites = new Set(records.map((r) => r.site)).size;
  const markdown = `# ${title}\n\n${sites} sites, ${records.length} generations. score@k in percent (unbiased estimator over n samples per site; greedy n = 1).\n\n${table}\n`;
  writeFileSync(join(dir, 'report.md'), markdown);

  const legend = summaries.map((s, i) => `<span style="color:${COLORS[i % COLORS.length]}">■ ${escape(s.config)}</span>`).join(' &nbsp; ');
  const tableHtml = table
    .split('\n')
    .filter((l) => !/^\|-/.test(l))
    .map((l, i) => `<tr>${l.slice(1, -1).split('|').map((c) => (i === 0 ? `<th>${escape(c.trim())}</th>` : `<td>${escape(c.trim())}</td>`)).join('')}</tr>`)
    .join('\n');
  const bySite = new Map<string, EvalRecord[]>();
  for (const r of records) bySite.set(r.site, [...(bySite.get(r.site) ?? []), r]);
  const drill = [...bySite.entries()]
    .map(([site, rs]) => {
      const first = rs[0]!;
      const gens = rs
        .map(
          (r) =>
            `<div class="gen"><b>${escape(r.config)}#${r.sample}</b> <span class="${r.compiles ? 'ok' : 'bad'}">CR ${r.compiles ? '✓' : '✗'}</span> <span class="${r.nim ? 'ok' : 'bad'}">NIM ${r.nim ? '✓' : '✗'}</span> ISM ${(100 * r.ism).toFixed(0)}% PM ${(100 * r.pm).toFixed(0)}% · ${r.latencyMs} ms${r.degradedTriggers ? ` · ${r.degradedTriggers} degraded` : ''}<pre>${escape(r.generation)}</pre>${r.newErrors.length ? `<div class="err">${r.newErrors.map(escape).join('<br>')}</div>` : ''}</div>`,
        )
        .join('');
      return `<details><summary>${escape(site)} — <code>${escape(!first.kind || first.kind === 'deref' ? `.${first.member}` : `${first.kind}: ${first.member}`)}</code></summary><h4>prompt (end)</h4><pre>${escape(first.promptTail)}</pre><h4>target</h4><pre>${escape(first.target)}</pre>${gens}</details>`;
    })
    .join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}
pre{background:#f7f7f7;padding:6px;overflow-x:auto;font-size:12px}.ok{color:#080}.bad{color:#b00}.err{color:#b00;font-size:12px}.gen{margin:8px 0;border-left:3px solid #ddd;padding-left:8px}
.plots{display:flex;flex-wrap:wrap;gap:12px}</style></head><body>
<h1>${escape(title)}</h1><p>${sites} sites, ${records.length} generations. score@k in percent.</p>
<table>${tableHtml}</table><h2>score@k</h2><p>${legend}</p><div class="plots">${METRICS.map((m) => svgPlot(summaries, m)).join('')}</div>
<h2>Sites</h2>${drill}</body></html>`;
  writeFileSync(join(dir, 'report.html'), html);
  return { markdown, summaries };
}
