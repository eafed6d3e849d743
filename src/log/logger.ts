/**
 * The runtime's log. Docker reads the last `{"level":"error","msg":...}` line
 * of `--log` (with `--log-format json`) and shows its msg to the user, so the
 * JSON shape follows runc's: level as a word, msg, time.
 */
import fs from 'node:fs';
import type pino from 'pino';

export interface LogOptions {
  file?: string;
  format: 'json' | 'text';
  debug: boolean;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
type LogFn = (objOrMsg: object | string, msg?: string) => void;
export type Logger = Record<Level, LogFn>;

const RANK: Record<Level | 'silent', number> = {
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: Infinity,
};

let options: LogOptions = { format: 'text', debug: false };
let threshold = RANK.silent;
let instance: pino.Logger | undefined;

/**
 * The --log file, or stderr. Its directory is never created: after Docker has
 * removed a bundle, the shim's cleanup still names the bundle's log.json, and
 * recreating the directory would leave it behind.
 */
function openDestination(p: typeof pino, file: string | undefined) {
  if (file) {
    try {
      return p.destination({ fd: fs.openSync(file, 'a', 0o644), sync: true });
    } catch {
      // Fall through to stderr, which the shim also captures.
    }
  }
  return p.destination({ fd: 2, sync: true });
}

function createPino(): pino.Logger {
  // Loaded on the first line written: most calls (state, kill, a create
  // that works) write none, and pino's loading is a good part of start-up.
  const p = require('pino') as typeof pino;
  return p(
    {
      level: options.debug ? 'debug' : 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    openDestination(p, options.file),
  );
}

function emit(level: Level, objOrMsg: object | string, msg?: string): void {
  if (RANK[level] < threshold) return;
  instance ??= createPino();
  if (msg === undefined) instance[level](objOrMsg as object);
  else instance[level](objOrMsg as object, msg);
}

const facade: Logger = {
  debug: (o, m) => emit('debug', o, m),
  info: (o, m) => emit('info', o, m),
  warn: (o, m) => emit('warn', o, m),
  error: (o, m) => emit('error', o, m),
};

export function setupLogger(next: LogOptions): Logger {
  options = next;
  // Without --log, errors reach stderr as plain lines from the CLI itself.
  threshold = RANK[next.debug ? 'debug' : next.file ? 'info' : 'silent'];
  instance = undefined;
  return facade;
}

export function logger(): Logger {
  return facade;
}
