/**
 * The runtime's log. Docker reads the last `{"level":"error","msg":...}` line
 * of `--log` (with `--log-format json`) and shows its msg to the user, so the
 * JSON shape follows runc's: level as a word, msg, time.
 */
import fs from 'node:fs';
import pino from 'pino';

export type Logger = pino.Logger;

export interface LogOptions {
  file?: string;
  format: 'json' | 'text';
  debug: boolean;
}

let current: pino.Logger = pino({ level: 'silent' });

/**
 * The --log file, or stderr. Its directory is never created: after Docker has
 * removed a bundle, the shim's cleanup still names the bundle's log.json, and
 * recreating the directory would leave it behind.
 */
function openDestination(file: string | undefined) {
  if (file) {
    try {
      return pino.destination({ fd: fs.openSync(file, 'a', 0o644), sync: true });
    } catch {
      // Fall through to stderr, which the shim also captures.
    }
  }
  return pino.destination({ fd: 2, sync: true });
}

export function setupLogger(options: LogOptions): pino.Logger {
  const destination = openDestination(options.file);
  current = pino(
    {
      // Without --log, errors reach stderr as plain lines from the CLI itself.
      level: options.debug ? 'debug' : options.file ? 'info' : 'silent',
      base: undefined,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return current;
}

export function logger(): pino.Logger {
  return current;
}
