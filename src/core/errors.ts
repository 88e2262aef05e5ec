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

/**
 * Error codes that come from the machine, not from gad-data or the data: a full disk or quota, a missing
 * permission, a read-only filesystem. They are reported as usage errors (exit 2) with the path and the fix,
 * never as "a bug in gad-data".
 */
const ENV_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS']);

/** The environment error code of `e` (or of an error in its `cause` chain), or null. */
export function environmentErrorCode(e: unknown): string | null {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 5; x = 'cause' in x ? x.cause : undefined, depth++) {
    const code = 'code' in x ? x.code : undefined;
    if (typeof code === 'string' && ENV_CODES.has(code)) return code;
  }
  return null;
}

function errnoPath(e: unknown): string | undefined {
  for (let x = e, depth = 0; x && typeof x === 'object' && depth < 5; x = 'cause' in x ? x.cause : undefined, depth++) {
    const p = 'path' in x ? x.path : undefined;
    if (typeof p === 'string') return p;
  }
  return undefined;
}

const ENV_WHAT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only filesystem',
};

/**
 * A GadError (exit 2) for an environment error `e` met while `doing` something (e.g. "writing the output"),
 * naming the path the system names (or `where`) and the fix. `resume` is added to the hint when finished
 * work was kept for `--resume`.
 */
export function environmentError(
  e: unknown,
  opts: { doing: string; where: string; resume?: string; access?: 'read' | 'write' | 'any' },
): GadError {
  const code = environmentErrorCode(e) ?? 'EIO';
  const path = errnoPath(e) ?? opts.where;
  const what = ENV_WHAT[code] ?? code;
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free space on the disk holding ${path} (or choose another --out on a disk with room)`
      : code === 'EROFS'
        ? `${path} is on a read-only filesystem: choose another --out`
        : opts.access === 'read' || opts.access === 'any'
          ? `make ${path} ${opts.access === 'read' ? 'readable' : 'readable (and writable where gad-data writes)'} for this user (check its owner and mode, e.g. chown/chmod)`
          : `make ${path} writable for this user (check its owner and mode, e.g. chown/chmod), or choose another --out`;
  return new GadError(`${opts.doing}: ${what} (${code}): ${path}`, {
    hint: opts.resume ? `${fix}; then rerun with --resume: ${opts.resume}` : fix,
    exitCode: 2,
    cause: e,
  });
}
