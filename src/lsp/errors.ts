/** Why a language-server call failed. */
export type LspErrorCode =
  /** the server's executable is not installed */
  | 'not-installed'
  /** the process could not be started */
  | 'spawn-failed'
  /** no answer within the time limit (the server is restarted) */
  | 'timeout'
  /** the process exited or the connection closed while the call was in flight */
  | 'server-exited'
  /** the caller cancelled the request (its budget ran out); the server was told to drop it */
  | 'cancelled'
  /** the server is still loading its project; nothing was asked */
  | 'not-ready'
  /** the server keeps crashing; it is not restarted until the back-off delay has passed */
  | 'server-crashing'
  /** the server answered with an error */
  | 'request-failed'
  /** the client was disposed */
  | 'disposed'
  /** no server is registered for the file's language */
  | 'no-server'
  /** the position is outside the document */
  | 'bad-position'
  /** the position is not right after `expr.` or inside the identifier after it */
  | 'not-a-dereference';

/** A typed failure of the language-server layer; `message` is meant for the user. */
export class LspError extends Error {
  override readonly name = 'LspError';
  constructor(
    readonly code: LspErrorCode,
    message: string,
  ) {
    super(message);
  }
}
