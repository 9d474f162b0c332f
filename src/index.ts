// Model runtime
export { CausalLM, type ForwardOptions, type ForwardResult, type SessionOptions } from './model/causal-lm.js';
export { readModelSpec, weightsReadPerToken, type ModelSpec } from './model/config.js';
export { ModelError, type ModelErrorCode } from './model/errors.js';
export { KvCache } from './model/kv-cache.js';
export { Tokenizer, type VocabEntry } from './model/tokenizer.js';
export { Utf8Text } from './model/utf8.js';
// Prompts
export { buildPrompt, promptText, PromptError, type BuiltPrompt, type PromptInput } from './prompt/build.js';
export { detectPromptFormat, type PromptFormat } from './prompt/format.js';
// Languages
export { languageOf, type Language } from './lang/language.js';
// Decoding
export { beamSearch, type BeamOptions, type BeamResult, type Hypothesis } from './decode/beam.js';
export { ForcedPrefixProcessor } from './decode/forced-prefix.js';
export { buildProcessorChain, generate, type DecodeOptions, type DecodeResult } from './decode/generate.js';
export { LogitsProcessorList, type LogitsProcessor, type SequenceView } from './decode/logits-processor.js';
export { NoRepeatNgramProcessor, RepetitionPenaltyProcessor } from './decode/penalties.js';
export { Sequence, type FinishReason, type StopCriteria } from './decode/sequence.js';
export type { StepModel } from './decode/step-model.js';
export { STOP_MODES, stopModeIndex, type StopContext, type StopMode } from './decode/stop-modes.js';
// Engine
export { Engine, type CompletionRequest, type CompletionResult, type EngineOptions } from './engine/engine.js';
export { defaultModelDir } from './engine/package-root.js';
export { resolveWorkspaceFile, resolveWorkspaceRoot, WorkspaceError, type WorkspaceErrorCode } from './engine/workspace.js';
export { findDereference, identifierEnd, isIdentifier, type Dereference } from './lang/dereference.js';
// Language servers
export { LspError, type LspErrorCode } from './lsp/errors.js';
export { LanguageServer, type CallOptions, type CompletionAnswer, type LanguageServerOptions } from './lsp/language-server.js';
export { normalizeMembers, queryMembers, type Member, type MemberAnswer, type MemberQuery } from './lsp/members.js';
export { ServerPool, type ServerPoolOptions } from './lsp/pool.js';
export { DEFAULT_SERVERS, SERVERS, serverFor, type ServerChoice, type ServerId, type ServerSpec } from './lsp/servers.js';
// Monitors
export { MonitorSet, type MonitorSetOptions } from './monitor/monitor-set.js';
export type { CharMonitor, Monitor, Scan, WordMonitor, WordSlot } from './monitor/monitor.js';
export { monitorsOf, parseMonitorKinds } from './monitor/monitors.js';
export {
  AnalysisUnavailable,
  MONITOR_KINDS,
  type Analysis,
  type AnalysisItem,
  type MemberOracle,
  type MonitorDocument,
  type MonitorKind,
  type MonitorReport,
  type SignatureInfo,
  type Trigger,
} from './monitor/types.js';
export { monitorVocab, type MonitorVocab } from './monitor/vocab.js';
export { applyAllowList, breakBytes, VocabTrie } from './monitor/vocab-trie.js';
export { lspAnalysis, monitorSet, type MonitorOptions } from './engine/monitors.js';
export { completeInDocument, type DocumentCompletionRequest, type DocumentCompletionResult } from './engine/document-completion.js';
// Sandbox and planning
export { runSandboxed, checkSandboxTools, type SandboxJob, type SandboxLimits, type SandboxRun } from './sandbox/sandbox.js';
export { SandboxError, type RunEnd } from './sandbox/errors.js';
export { planTests, runTests, type TestProgram, type TestRunResult, type TestOutcome } from './sandbox/test-runner.js';
export type { Check, SnippetPlan } from './judge/plan.js';
export { limitConcurrency } from './sandbox/limit-concurrency.js';
export { loadProblem, loadProblems, ProblemError, type Problem } from './planning/problem.js';
export { planSearch, pucb, type Policy, type SearchOptions, type SearchResult } from './planning/mcts.js';
export { LmPolicy } from './planning/lm-policy.js';
export { plan, STRATEGIES, type PlanOptions, type PlanResult, type Strategy } from './planning/plan.js';
export { CountingModel } from './decode/counting-model.js';
