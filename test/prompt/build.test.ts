import { describe, expect, it } from 'vitest';
import { buildPrompt, promptText } from '../../src/prompt/build.js';
import { languageOf } from '../../src/lang/language.js';
import { detectPromptFormat } from '../../src/prompt/format.js';
import { sharedTokenizer } from '../helpers/model.js';

describe('prompt building (real tokenizer)', () => {
  const tok = sharedTokenizer();
  const format = detectPromptFormat(tok);

  it('reads the FIM template and file header from the tokenizer', () => {
    expect(format).toEqual({
      fileHeader: '<|file_sep|>',
      fim: { prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>' },
    });
  });

  it('assembles left-to-right and FIM prompts exactly as the model card says', () => {
    const input = { prefix: 'export function add(a: number, b: number) {\n  return ', suffix: ';\n}\n', path: 'src/math.ts' };
    expect(promptText(format, { prefix: input.prefix, path: input.path })).toBe(`<|file_sep|>src/math.ts\n${input.prefix}`);
    const fim = promptText(format, input);
    expect(fim).toBe(`<|fim_prefix|><|file_sep|>src/math.ts\n${input.prefix}<|fim_suffix|>${input.suffix}<|fim_middle|>`);
    const built = buildPrompt(tok, format, input, 1000);
    expect(built.ids).toEqual(tok.encode(fim));
    expect(built.ids.slice(0, 2)).toEqual([1, 6]);
    expect(built.ids[built.ids.length - 1]).toBe(2);
    expect(built.ids.filter((id) => id === 3)).toHaveLength(1);
    expect(built.truncated).toEqual({ prefixTokens: 0, suffixTokens: 0 });
  });

  it('truncates the prefix from the left and the suffix from the right', () => {
    const prefix = Array.from({ length: 200 }, (_, i) => `const v${i} = ${i};`).join('\n') + '\nconst last = ';
    const suffix = ';\n' + Array.from({ length: 200 }, (_, i) => `use(v${i});`).join('\n');
    const built = buildPrompt(tok, format, { prefix, suffix, path: 'a.ts' }, 300);
    expect(built.ids.length).toBeLessThanOrEqual(300);
    const text = tok.decode(built.ids, true);
    expect(text.startsWith('<|fim_prefix|><|file_sep|>a.ts\n')).toBe(true);
    expect(text).toContain('const last = <|fim_suffix|>;\nuse(v0);');
    expect(text).not.toContain('const v0 =');
    expect(text).not.toContain('use(v199)');
    expect(text.endsWith('<|fim_middle|>')).toBe(true);
    expect(built.truncated.prefixTokens).toBeGreaterThan(0);
    expect(built.truncated.suffixTokens).toBeGreaterThan(0);
    const ltr = buildPrompt(tok, format, { prefix, path: 'a.ts' }, 100, { tokenHealing: false });
    expect(ltr.ids.length).toBe(100);
    expect(tok.decode(ltr.ids, true)).toMatch(/^<\|file_sep\|>a\.ts\n[\s\S]*const last = $/);
  });

  it('tokenizes only what the context can hold: a 5 MB file costs what a small one does, with the same tokens', () => {
    const line = (i: number) => `  const value${i} = compute(${i}, "text ${i}");\n`;
    const big = Array.from({ length: 120_000 }, (_, i) => line(i)).join('');
    expect(big.length).toBeGreaterThan(5_000_000);
    const prefix = `export function f() {\n${big}  return value`;
    const suffix = `;\n}\n${big}`;
    let encoded = 0;
    const counting = { vocab: tok.vocab, encode: (text: string) => ((encoded += text.length), tok.encode(text)) };
    const built = buildPrompt(counting, format, { prefix, suffix, path: 'a.ts' }, 900);
    expect(encoded).toBeLessThan(200_000);
    // The same tokens as from a prompt cut by hand to 100,000 characters on each side (fully tokenized).
    const small = buildPrompt(tok, format, { prefix: prefix.slice(-100_000), suffix: suffix.slice(0, 100_000), path: 'a.ts' }, 900);
    expect(built.ids).toEqual(small.ids);
    expect(built.truncated.prefixTokens).toBeGreaterThan(1_000_000);
    const ltr = buildPrompt(counting, format, { prefix, path: 'a.ts' }, 900);
    expect(ltr.ids).toEqual(buildPrompt(tok, format, { prefix: prefix.slice(-100_000), path: 'a.ts' }, 900).ids);
    expect(ltr.healed).toBe(' value');
  });

  it('backs up the last token of a left-to-right prompt for token healing', () => {
    const input = { prefix: 'const data = fs.readFileSync', path: 'a.ts' };
    const whole = tok.encode(promptText(format, input));
    const healed = buildPrompt(tok, format, input, 1000);
    expect(healed.healed).toBe('.readFileSync');
    expect(healed.ids).toEqual(whole.slice(0, -1));
    expect(buildPrompt(tok, format, { ...input, prefix: '  x = os.' }, 1000).healed).toBe('.');
    // Never into the header, never for FIM.
    expect(buildPrompt(tok, format, { prefix: '', path: 'a.ts' }, 1000).healed).toBe('');
    expect(buildPrompt(tok, format, { ...input, suffix: ';' }, 1000).healed).toBe('');
  });

  it('refuses a suffix for a model without FIM tokens, and a budget too small for the template', () => {
    expect(() => promptText({ fileHeader: undefined, fim: undefined }, { prefix: 'a', suffix: 'b' })).toThrow(/fill-in-the-middle/);
    expect(() => buildPrompt(tok, format, { prefix: 'x'.repeat(50), suffix: 'y', path: 'a.ts' }, 4)).toThrow(/fixed parts/);
  });

  it('maps file extensions to languages', () => {
    expect(languageOf('src/a.ts')).toBe('typescript');
    expect(languageOf('a.mjs')).toBe('javascript');
    expect(languageOf('pkg/m.py')).toBe('python');
    expect(languageOf('README')).toBeUndefined();
  });
});
