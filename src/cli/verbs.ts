/**
 * The verbs and the modules that implement them. Each verb's module is loaded
 * only when that verb runs: a short-lived CLI pays for loading every module it
 * names, and `state` or `kill` need a fraction of what `create` does. The
 * literal requires let the bundler (esbuild, `npm run build`) see every verb.
 */
import type { Command } from 'commander';
import type { Context } from './context';

export interface Verb {
  register(program: Command, context: () => Context): void;
}

export const VERBS: Record<string, () => Verb> = {
  create: () => require('./create'),
  start: () => require('./start'),
  run: () => require('./run'),
  kill: () => require('./kill'),
  delete: () => require('./delete'),
  exec: () => require('./exec'),
  state: () => require('./state'),
  list: () => require('./list'),
  ls: () => require('./list'),
  check: () => require('./check'),
  pause: () => require('./pause'),
  resume: () => require('./pause'),
  ps: () => require('./ps'),
  gc: () => require('./gc'),
  features: () => require('./features'),
  spec: () => require('./spec'),
  update: () => require('./update'),
  checkpoint: () => require('./not-yet'),
  restore: () => require('./not-yet'),
  events: () => require('./not-yet'),
};

/** Global flags that take a value, so the verb can be found without parsing. */
const GLOBAL_VALUE_FLAGS = new Set(['--root', '--log', '--log-format', '--rootless', '--criu']);

/** The verb argv names, when it names one; undefined for --help, typos, no verb. */
export function verbOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (GLOBAL_VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) return Object.hasOwn(VERBS, arg) ? arg : undefined;
  }
  return undefined;
}
