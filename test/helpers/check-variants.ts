import { TsProject } from '../../src/eval/ts-project.js';
import { typecheckPythonVariants, type CheckDiagnostic, type Variant } from '../../src/eval/typecheck.js';
import type { Language } from '../../src/lang/language.js';
import { TS_PROJECT } from './fixtures.js';

/**
 * Diagnostics of fixture-file variants (a completion put in place): TypeScript ones by the TypeScript 5 checker
 * over the fixture project, Python ones in one pyright batch. `file` in each diagnostic is `relative`.
 */
export async function checkFixtureVariants(variants: readonly (Variant & { readonly language: Language; readonly relative: string })[]): Promise<CheckDiagnostic[]> {
  const diagnostics: CheckDiagnostic[] = [];
  const ts = await TsProject.open(TS_PROJECT);
  try {
    for (const v of variants.filter((x) => x.language !== 'python')) {
      diagnostics.push(...(await ts.errors(v.file, v.text)).map((e) => ({ ...e, variant: v.id, file: v.relative })));
    }
  } finally {
    await ts.dispose();
  }
  diagnostics.push(...(await typecheckPythonVariants(variants.filter((x) => x.language === 'python'))));
  return diagnostics;
}
