import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('package surface', () => {
  // Every export is listed here, so a new one shows up in review (and a lost one fails).
  it('exports exactly the public API', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AnalysisUnavailable', 'CausalLM', 'CountingModel', 'DEFAULT_SERVERS', 'Engine', 'ForcedPrefixProcessor', 'KvCache',
      'LanguageServer', 'LmPolicy', 'LogitsProcessorList', 'LspError', 'MONITOR_KINDS', 'ModelError', 'MonitorSet', 'NoRepeatNgramProcessor', 'ProblemError',
      'PromptError', 'RepetitionPenaltyProcessor', 'SERVERS', 'STOP_MODES', 'STRATEGIES', 'SandboxError', 'Sequence', 'ServerPool',
      'Tokenizer', 'Utf8Text', 'VocabTrie', 'WorkspaceError', 'applyAllowList', 'beamSearch', 'breakBytes', 'buildProcessorChain', 'buildPrompt',
      'checkSandboxTools', 'completeInDocument', 'defaultModelDir', 'detectPromptFormat', 'findDereference', 'generate',
      'identifierEnd', 'isIdentifier', 'languageOf', 'limitConcurrency', 'loadProblem', 'loadProblems', 'lspAnalysis', 'monitorSet', 'monitorVocab', 'monitorsOf',
      'normalizeMembers', 'parseMonitorKinds', 'plan', 'planSearch', 'planTests', 'promptText', 'pucb', 'queryMembers', 'readModelSpec', 'resolveWorkspaceFile',
      'resolveWorkspaceRoot', 'runSandboxed', 'runTests',
      'serverFor', 'stopModeIndex', 'weightsReadPerToken',
    ]);
  });
});
