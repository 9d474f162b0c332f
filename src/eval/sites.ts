import type { DatasetSite } from './dataset.js';

/** The document a completion at `site` starts from, as an editor has it: the file with the rest of the cursor's line removed. */
export interface SiteDocument {
  readonly workspace: string;
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  readonly offset: number;
}

export function siteDocument(site: DatasetSite): SiteDocument {
  const rest = site.target + site.after;
  const lineEnd = rest.indexOf('\n');
  return {
    workspace: site.repo,
    file: `${site.repo}/${site.file}`,
    text: site.prompt + (lineEnd === -1 ? '' : rest.slice(lineEnd)),
    offset: site.prompt.length,
  };
}

/** The identifier a completion starts with (what follows the dot). */
export function firstIdentifier(completion: string): string {
  return /^[\p{L}\p{N}_$]*/u.exec(completion)![0];
}
