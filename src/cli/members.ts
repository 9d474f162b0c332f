import { ServerPool } from '../lsp/pool.js';
import { SERVER_IDS, type ServerId } from '../lsp/servers.js';
import { COMMON_OPTIONS, choiceFlag, millisecondsFlag, parse } from './args.js';
import { resolvePosition } from './position.js';

export const MEMBERS_USAGE = `lsp-codegen members --workspace DIR --at FILE:LINE:COL [options]

Lists the members that are type-valid at a dereference point, as the file's language server says.
FILE is relative to the workspace; LINE and COL are 1-based; the position is right after the dot or
inside the partial identifier after it.

  --workspace DIR      project root (where tsconfig.json / pyrightconfig.json live)
  --at FILE:LINE:COL   the position
  --server ID          TypeScript/JavaScript server: tsgo (default, TypeScript 7) or tsls
                       (typescript-language-server with TypeScript 5)
  --signatures         resolve each member's signature (one request per member)
  --timeout MS         per-request limit once the server is ready (default 10000); a server still
                       loading its project is waited for while it shows signs of life (up to 120 s
                       of silence)
  --json               print { members, server, latencyMs, complete }
  --verbose            stack traces on errors`;

const OPTIONS = {
  workspace: { type: 'string' },
  at: { type: 'string' },
  server: { type: 'string' },
  signatures: { type: 'boolean' },
  timeout: { type: 'string' },
  ...COMMON_OPTIONS,
} as const;

export async function membersCommand(argv: string[], out: (text: string) => void): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  if (values.help) return out(MEMBERS_USAGE);
  const tsServer = choiceFlag(values, 'server', SERVER_IDS.filter((id) => id !== 'pyright') as ServerId[]);
  const timeout = millisecondsFlag(values, 'timeout');
  const pos = resolvePosition(values.workspace, values.at);
  const pool = new ServerPool({
    servers: tsServer ? { typescript: tsServer, javascript: tsServer } : {},
    requestTimeoutMs: timeout,
    idleMs: 0,
  });
  try {
    const answer = await pool.members(pos.workspace, { file: pos.file, text: pos.text, offset: pos.offset, signatures: values.signatures ?? false });
    if (values.json) {
      const { members, server, latencyMs, complete } = answer;
      out(JSON.stringify({ members, server, latencyMs, complete }, null, 2));
    } else {
      const width = Math.max(0, ...answer.members.map((m) => m.name.length));
      const lines = answer.members.map((m) => `${m.name.padEnd(width)}  ${m.kind}${m.detail ? `  ${m.detail}` : ''}`);
      lines.push(`(${answer.members.length} members from ${answer.server} in ${answer.latencyMs} ms${answer.complete ? '' : ', list marked incomplete'})`);
      out(lines.join('\n'));
    }
  } finally {
    await pool.dispose();
  }
}
