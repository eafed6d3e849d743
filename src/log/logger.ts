/**
 * The runtime's log. Docker reads the last `{"level":"error","msg":...}` line
 * of `--log` (with `--log-format json`) and shows its msg to the user, so the
 * JSON shape follows runc's: level as a word, msg, time.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export interface LogOptions {
  file?: string;
  format: 'json' | 'text';
  debug: boolean;
}

let current: pino.Logger = pino({ level: 'silent' });

export function setupLogger(options: LogOptions): pino.Logger {
  const destination = options.file
    ? pino.destination({ dest: options.file, sync: true, append: true, mkdir: true })
    : pino.destination({ fd: 2, sync: true });
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
