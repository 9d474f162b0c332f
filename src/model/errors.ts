/** Why a model directory could not be used. */
export type ModelErrorCode =
  | 'missing-directory'
  | 'missing-file'
  | 'bad-config'
  | 'bad-onnx'
  | 'config-mismatch'
  | 'bad-tokenizer'
  | 'context-overflow';

/** A model directory is unusable or a request does not fit the model. The message is meant for the user. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}
