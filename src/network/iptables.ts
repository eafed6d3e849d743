/**
 * iptables rules that carry their owner in a comment (`dock-fire:<id>`):
 * added with the comment, and removed by finding every rule whose comment
 * names the container, so a crash never strands a rule that `delete` or
 * `gc` cannot find.
 */
import { run } from './command';
import { ownerOf, ownerTag } from './names';

export interface Rule {
  table: 'filter' | 'nat';
  chain: string;
  spec: string[];
}

export async function addRule(id: string, rule: Rule): Promise<void> {
  await run([
    'iptables',
    '-w',
    '-t',
    rule.table,
    '-A',
    rule.chain,
    ...rule.spec,
    '-m',
    'comment',
    '--comment',
    ownerTag(id),
  ]);
}

/** Splits an `iptables -S` line into words, honouring double quotes. */
export function splitRule(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  }
  return words;
}

/** The comment of a rule line, if it has one. */
function commentOf(words: string[]): string | undefined {
  const i = words.indexOf('--comment');
  return i >= 0 ? words[i + 1] : undefined;
}

export interface OwnedRule {
  table: 'filter' | 'nat';
  owner: string;
  /** The rule as `iptables -S` prints it, from `-A CHAIN` on. */
  words: string[];
}

/** Every rule of the tables whose comment says dock-fire made it. */
export async function ownedRules(): Promise<OwnedRule[]> {
  const rules: OwnedRule[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const out = await run(['iptables', '-w', '-t', table, '-S']);
    for (const line of out.split('\n')) {
      const words = splitRule(line);
      const owner = words[0] === '-A' ? ownerOf(commentOf(words) ?? '') : undefined;
      if (owner !== undefined) rules.push({ table, owner, words });
    }
  }
  return rules;
}

export async function deleteRule(rule: OwnedRule): Promise<void> {
  await run(['iptables', '-w', '-t', rule.table, '-D', ...rule.words.slice(1)]);
}

/** Removes every rule owned by id; returns how many there were. */
export async function deleteRulesOf(id: string): Promise<number> {
  const mine = (await ownedRules()).filter((r) => r.owner === id);
  for (const rule of mine) await deleteRule(rule);
  return mine.length;
}
