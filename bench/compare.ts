/**
 * Prints a markdown table of two result files side by side (before, after):
 * dock-fire's median and how many times runc's cost it is in each run (>1:
 * worse than runc; a throughput is inverted to mean the same). A figure
 * only one file has shows "-" on the other side.
 *
 * usage: node build/bench/compare.js BEFORE.json AFTER.json
 */
import fs from 'node:fs';
import { ratio, type Row } from './stats';

/** Burst rows end with their exit-code counts: "(right exit codes: 20/20 vs 20/20)". */
const EXIT_CODES = / \(right exit codes: (\S+) vs (\S+)\)$/;

interface Figure {
  row: Row;
  /** Right exit codes, dock-fire's and runc's, of a burst row. */
  codes?: [string, string];
}

function load(file: string): Map<string, Figure> {
  let rows: Row[] | undefined;
  try {
    rows = JSON.parse(fs.readFileSync(file, 'utf8')).rows;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(rows)) throw new Error(`${file}: not a bench result (no rows)`);
  const figures = new Map<string, Figure>();
  for (const row of rows) {
    const codes = EXIT_CODES.exec(row.name);
    const name = codes ? row.name.slice(0, codes.index) : row.name;
    figures.set(name, { row, codes: codes ? [codes[1], codes[2]] : undefined });
  }
  return figures;
}

function value(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function cell(f?: Figure): string {
  if (!f?.row.dockFire) return '-';
  const times = ratio(f.row.unit, f.row.dockFire, f.row.runc);
  const codes = f.codes ? `, ${f.codes[0]} right exit codes` : '';
  return `${value(f.row.dockFire.median)}${times === undefined ? '' : ` (${times.toFixed(1)}x)`}${codes}`;
}

function runcCell(f?: Figure): string {
  if (!f?.row.runc) return '-';
  return `${value(f.row.runc.median)}${f.codes ? `, ${f.codes[1]} right exit codes` : ''}`;
}

function main(): void {
  const files = process.argv.slice(2);
  if (files.length !== 2)
    throw new Error('usage: node build/bench/compare.js BEFORE.json AFTER.json');
  const [before, after] = files.map(load);
  console.log(
    "| figure | unit | before (x runc's cost) | after (x runc's cost) | runc (after run) | accel |",
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  // AFTER's figures in its order, then those only BEFORE has.
  const names = [...after.keys(), ...[...before.keys()].filter((name) => !after.has(name))];
  for (const name of names) {
    const a = after.get(name);
    const b = before.get(name);
    const row = (a ?? b)!.row;
    console.log(
      `| ${name} | ${row.unit} | ${cell(b)} | ${cell(a)} | ${runcCell(a)} | ${row.accel ?? ''} |`,
    );
  }
}

try {
  main();
} catch (err) {
  console.error(`compare: ${(err as Error).message}`);
  process.exitCode = 1;
}
