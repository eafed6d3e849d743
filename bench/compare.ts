/**
 * Prints a markdown table of two result files side by side (before, after):
 * dock-fire's median and its ratio to runc's in each run.
 *
 * usage: node build/bench/compare.js BEFORE.json AFTER.json
 */
import fs from 'node:fs';
import type { Row } from './stats';

function load(file: string): Map<string, Row> {
  const rows: Row[] = JSON.parse(fs.readFileSync(file, 'utf8')).rows;
  // Burst rows carry their exit-code counts in the name; match on what precedes them.
  return new Map(rows.map((r) => [r.name.replace(/ \(right exit codes.*$/, ''), r]));
}

function cell(r?: Row): string {
  if (!r?.dockFire) return '-';
  const m = r.dockFire.median;
  const value = m >= 100 ? m.toFixed(0) : m.toFixed(1);
  return r.ratio === undefined ? value : `${value} (${r.ratio.toFixed(1)}x runc)`;
}

function main(): void {
  const [beforeFile, afterFile] = process.argv.slice(2);
  if (!beforeFile || !afterFile) throw new Error('usage: compare.js BEFORE.json AFTER.json');
  const before = load(beforeFile);
  const after = load(afterFile);
  console.log('| figure | unit | before | after | runc (after run) | accel |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, a] of after) {
    const b = before.get(name);
    const runc = a.runc ? a.runc.median.toFixed(a.runc.median >= 100 ? 0 : 1) : '-';
    const codes = /\(right exit codes.*\)$/.exec(a.name)?.[0] ?? '';
    const bCodes = b ? (/\(right exit codes.*\)$/.exec(b.name)?.[0] ?? '') : '';
    const label = codes ? `${name} ${bCodes} -> ${codes}` : name;
    console.log(`| ${label} | ${a.unit} | ${cell(b)} | ${cell(a)} | ${runc} | ${a.accel ?? ''} |`);
  }
}

main();
