/**
 * Errors are values with context. Each layer wraps what it caught with what
 * it was doing, so the single line Docker shows the user reads
 * "creating container X: building the root drive: mkfs.ext4 failed: ...".
 */
export class DockFireError extends Error {
  /** Exit status the CLI ends with when this error reaches it. */
  readonly exitCode: number;

  constructor(message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DockFireError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Wraps any thrown value with what the caller was doing. */
export function wrap(context: string, err: unknown): DockFireError {
  const inner = err instanceof Error ? err.message : String(err);
  const exitCode = err instanceof DockFireError ? err.exitCode : 1;
  return new DockFireError(`${context}: ${inner}`, { cause: err, exitCode });
}

/** Runs fn and wraps whatever it throws with context. */
export async function withContext<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw wrap(context, err);
  }
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
