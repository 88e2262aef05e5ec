/**
 * Errors a user can act on. The CLI prints `message` (and `hint`) without a stack trace and exits
 * with `exitCode`: 2 for usage, config and unusable input; 1 for data problems.
 */
export class GadError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'GadError';
    this.exitCode = opts.exitCode ?? 2;
    this.hint = opts.hint;
  }
}

/** Usage, config or input error (exit 2). */
export function usageError(message: string, hint?: string): GadError {
  return new GadError(message, { hint, exitCode: 2 });
}

export function isGadError(e: unknown): e is GadError {
  return e instanceof GadError;
}

/** A short one-line description of any thrown value, for messages. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? String(e);
  return String(e);
}
