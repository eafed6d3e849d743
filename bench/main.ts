/**
 * dock-fire's benchmark against runc, both measured in the same run on the
 * same machine. Every figure is a median over repeated runs with min/max,
 * printed as a table beside runc's and written as JSON under bench/results/.
 *
 * usage: bench/run.sh [--quick] [--runtime NAME] [--image IMAGE] [--label LABEL]
 *                     [--only SECTION,...] [--rootfs-cache-mib N]
 *        bench/run.sh --clean
 * sections: verbs, cli, docker, memory, throughput, rootfs, burst
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_IMAGE, exportImage, imageId, runtimes, writeBundle, type Runtime } from './bundle';
import { cleanUp, cleanUpOnSignals, interrupted, registerPath } from './cleanup';
import { checkRuntime, checkTools } from './checks';
import { CPU_CALLS, timeCreated, timeMissing, timeNode } from './cli';
import { burst, dockerRunTrue, type BurstResult } from './docker-run';
import { idleMemory, type MemorySample } from './memory';
import { rootfsFigure, type RootfsFigure } from './rootfs';
import { clean, removeLeftScratch, RUN_DIR, STATE_ROOT } from './scratch';
import { ratio, summarize, type Row, type Summary } from './stats';
import { stdoutThroughput, THROUGHPUT_ARGS } from './throughput';
import { timeVerbs } from './verbs';
import { checkedAccel, vmmVersions } from './vmm';

const SECTIONS = ['verbs', 'cli', 'docker', 'memory', 'throughput', 'rootfs', 'burst'];

interface Options {
  /** Remove the caches and what killed runs left, and measure nothing. */
  clean: boolean;
  quick: boolean;
  runtime: string;
  image: string;
  label: string;
  only?: string[];
  /** The rootfs cache's bound for the rootfs figures; 0 measures the copy per container. */
  rootfsCacheMiB: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    clean: false,
    quick: false,
    runtime: 'dock-fire',
    image: DEFAULT_IMAGE,
    label: '',
    rootfsCacheMiB: 10240,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i] ?? '';
    switch (argv[i]) {
      case '--quick':
        o.quick = true;
        break;
      case '--clean':
        o.clean = true;
        break;
      case '--runtime':
        o.runtime = value();
        break;
      case '--image':
        o.image = value();
        break;
      case '--label':
        o.label = value();
        // It names the results file: checked before minutes of measuring.
        if (!/^[A-Za-z0-9._-]+$/.test(o.label)) {
          throw new Error('--label takes letters, digits, dots, dashes and underscores');
        }
        break;
      case '--rootfs-cache-mib':
        o.rootfsCacheMiB = Number(value());
        if (!Number.isInteger(o.rootfsCacheMiB) || o.rootfsCacheMiB < 0) {
          throw new Error('--rootfs-cache-mib takes a whole number of MiB (0: no cache)');
        }
        break;
      case '--only':
        o.only = value().split(',');
        for (const s of o.only) {
          if (!SECTIONS.includes(s)) {
            throw new Error(`--only: no section '${s}' (sections: ${SECTIONS.join(', ')})`);
          }
        }
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see bench/README.md)`);
    }
  }
  return o;
}

/** One figure: dock-fire and runc side by side. */
function row(name: string, unit: string, ours: number[], theirs: number[] = [], accel?: string) {
  const dockFire = summarize(ours);
  const runc = summarize(theirs);
  return { name, unit, dockFire, runc, ratio: ratio(unit, dockFire, runc), accel };
}

function machine() {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    cpu: cpus[0]?.model,
    cores: cpus.length,
    memMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    loadAvgAtStart: os.loadavg(),
  };
}

function fmt(s?: Summary): string {
  if (!s) return '-';
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return s.n === 1 ? `${f(s.median)} (1 sample)` : `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}

function printTable(rows: Row[]): void {
  const header = ['figure', 'unit', 'dock-fire median (min-max)', 'runc', "x runc's cost", 'accel'];
  const lines = [header];
  for (const r of rows) {
    const ratioText = r.ratio === undefined ? '-' : `${r.ratio.toFixed(1)}x`;
    lines.push([r.name, r.unit, fmt(r.dockFire), fmt(r.runc), ratioText, r.accel ?? '']);
  }
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  for (const l of lines) console.log(l.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}

/** Writes bench/results/STEM.json, or STEM-2.json and so on: never over another run's. */
function writeResult(stem: string, result: object): string {
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const name = `${stem}${n > 1 ? `-${n}` : ''}.json`;
    try {
      fs.writeFileSync(path.join(dir, name), `${JSON.stringify(result, null, 2)}\n`, {
        flag: 'wx',
      });
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

async function sections(
  o: Options,
  df: Runtime,
  runc: Runtime,
  bundle: string,
  rootfs: string,
  checked: string,
) {
  const reps = o.quick ? 3 : 10;
  const want = (s: string) => !o.only || o.only.includes(s);
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  let accel = checked;

  if (want('verbs')) {
    await writeBundle(bundle, rootfs, ['true']);
    const ours = await timeVerbs(df, bundle, reps);
    const theirs = await timeVerbs(runc, bundle, reps);
    // What the first VM's command line named, should the runtime's check have said otherwise.
    accel = ours.accel ?? accel;
    for (const verb of ['create', 'state', 'start', 'delete'] as const) {
      rows.push(row(`${verb} (true)`, 'ms', ours[verb], theirs[verb], accel));
    }
    for (const part of ['vmmStart', 'guestBoot', 'processStart', 'shutdown'] as const) {
      const samples = ours.splits.map((s) => s[part]).filter((x): x is number => x !== undefined);
      rows.push(row(`split: ${part}`, 'ms', samples, [], accel));
    }
  }
  if (want('cli')) {
    // Start-up alone, with no VM running beside it (bench/cli.ts).
    const perCall = `mean of ${CPU_CALLS}`;
    for (const verb of [['state'], ['kill', '9'], ['delete']]) {
      const ours = await timeMissing(df, verb, reps * 2);
      const theirs = await timeMissing(runc, verb, reps * 2);
      rows.push(row(`CLI start-up: ${verb[0]} (no VM), wall`, 'ms', ours.wall, theirs.wall));
      rows.push(
        row(`CLI start-up: ${verb[0]} (no VM), CPU, ${perCall}`, 'ms', ours.cpu, theirs.cpu),
      );
    }
    const created = await timeCreated(df, df.argv[df.argv.indexOf('--root') + 1], reps * 2);
    for (const verb of ['state', 'kill'] as const) {
      rows.push(row(`CLI start-up: ${verb} (created), wall`, 'ms', created[verb].wall));
      rows.push(row(`CLI start-up: ${verb} (created), CPU, ${perCall}`, 'ms', created[verb].cpu));
    }
    const node = await timeNode(reps * 2);
    rows.push(row('CLI start-up: node -e 0, wall', 'ms', node.wall));
    rows.push(row(`CLI start-up: node -e 0, CPU, ${perCall}`, 'ms', node.cpu));
  }
  if (want('docker')) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < reps; i++) {
      ours.push(await dockerRunTrue(df.name, o.image));
      theirs.push(await dockerRunTrue(runc.name, o.image));
    }
    rows.push(row('docker run --rm IMG true', 'ms', ours, theirs, accel));
  }
  if (want('memory')) {
    const guestMiB = 128;
    const samples: MemorySample[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await writeBundle(bundle, rootfs, ['sleep', '600']);
      samples.push(await idleMemory(df, bundle, guestMiB, 3000));
      theirs.push((await idleMemory(runc, bundle, guestMiB, 3000)).processKiB ?? 0);
    }
    const kib = (k: keyof MemorySample) => samples.map((s) => s[k] ?? 0);
    rows.push(row('idle: monitor RSS', 'KiB', kib('monitorKiB')));
    rows.push(row('idle: VMM RSS', 'KiB', kib('vmmKiB')));
    rows.push(row('idle: VMM RSS that is guest RAM', 'KiB', kib('vmmGuestRamKiB')));
    rows.push(
      row('idle: host overhead (monitor+VMM-guest RAM)', 'KiB', kib('overheadKiB'), theirs),
    );
    // The per-container figure. Private pages (in the samples only) also count the
    // binaries' pages when no other VM shares them: 64 MiB alone, 33 MiB beside another.
    rows.push(row('idle: anonymous host overhead (per container)', 'KiB', kib('anonOverheadKiB')));
    extra.memory = { guestMiB, samples, runcProcessKiB: theirs };
  }
  if (want('throughput')) {
    await writeBundle(bundle, rootfs, THROUGHPUT_ARGS);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 3; i++) {
      ours.push(await stdoutThroughput(df, bundle));
      theirs.push(await stdoutThroughput(runc, bundle));
    }
    rows.push(row('stdout throughput, 200 MiB via cat', 'MiB/s', ours, theirs, accel));
  }
  if (want('rootfs')) {
    const figures: RootfsFigure[] = [];
    for (const mib of o.quick ? [10, 300] : [10, 300, 1024]) {
      const work = path.join(RUN_DIR, 'rootfs');
      figures.push(await rootfsFigure(rootfs, mib, work, o.rootfsCacheMiB));
    }
    for (const f of figures) {
      rows.push(row(`rootfs ${f.mib} MiB: first start`, 'ms', [f.firstMs]));
      rows.push(row(`rootfs ${f.mib} MiB: second start`, 'ms', f.secondMs));
    }
    extra.rootfs = figures;
  }
  if (want('burst')) {
    const bursts: BurstResult[] = [];
    for (const n of o.quick ? [20] : [20, 50]) {
      const ours = await burst(df, o.image, n, n * 20_000, RUN_DIR);
      const theirs = await burst(runc, o.image, n, n * 20_000, RUN_DIR);
      bursts.push(ours, theirs);
      const r = row(`${n} at once: total`, 'ms', [ours.totalMs], [theirs.totalMs], accel);
      r.name += ` (right exit codes: ${ours.rightCodes}/${n} vs ${theirs.rightCodes}/${n})`;
      rows.push(r);
    }
    extra.bursts = bursts;
  }
  return { rows, extra, accel };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.clean) return clean();
  cleanUpOnSignals();
  try {
    await measure(o);
  } finally {
    await cleanUp();
  }
}

async function measure(o: Options) {
  checkTools(o.only ?? SECTIONS);
  const binary = await checkRuntime(o.runtime, o.only ?? SECTIONS);
  // dock-fire's `check` names its backend; runc or another binary does not.
  const checked = await checkedAccel(binary);
  if (checked === undefined) {
    throw new Error(
      `runtime ${o.runtime}: \`${binary} check\` names no VMM backend: not a dock-fire runtime ` +
        '(runc is measured beside it, not as it)',
    );
  }
  const image = { name: o.image, id: await imageId(o.image) };

  await removeLeftScratch();
  registerPath(STATE_ROOT);
  registerPath(RUN_DIR);
  const bundle = path.join(RUN_DIR, 'bundle');
  fs.mkdirSync(bundle, { recursive: true });
  const [df, runc] = runtimes(o.runtime, binary, STATE_ROOT);
  const rootfs = await exportImage(image.id);

  const started = new Date();
  const info = { ...machine(), vmm: await vmmVersions() };
  const { rows, extra, accel } = await sections(o, df, runc, bundle, rootfs, checked);
  if (interrupted()) return;
  printTable(rows);
  const result = {
    label: o.label,
    date: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    machine: { ...info, loadAvgAtEnd: os.loadavg() },
    accelerator: accel,
    runtime: o.runtime,
    image,
    quick: o.quick,
    rows,
    ...extra,
  };
  const stem = started.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const name = writeResult(`${stem}${o.label ? `-${o.label}` : ''}`, result);
  console.log(
    `results: bench/results/${name} (load ${info.loadAvgAtStart.map((l) => l.toFixed(2)).join(' ')})`,
  );
}

main().catch((err) => {
  // A stopped run's sections fail on refused commands: the signal's line says it all.
  if (interrupted()) return;
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
