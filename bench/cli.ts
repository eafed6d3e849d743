/**
 * CLI start-up: each verb timed alone, with no VM running beside it, wall
 * and CPU time (user + system; more telling than wall time on a loaded
 * machine). Node's own start (`node -e 0`) is timed beside it, so the split
 * between Node and dock-fire shows in every run.
 *
 * CPU time comes from /usr/bin/time, which counts in 10 ms steps: too
 * coarse for one call (runc read 0), so each CPU sample is the mean of
 * CPU_CALLS calls in one shell loop, the loop's fork per call included.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from './bundle';
import { register, registerPath } from './cleanup';
import { reason, run } from './exec';

export interface CliTimes {
  wall: number[];
  cpu: number[];
}

/** How a timed command must end: a figure of a command that failed otherwise is no figure. */
interface Expected {
  code: number;
  stderr?: RegExp;
}

const SUCCEEDS: Expected = { code: 0 };
/** A verb on a missing container: runc and dock-fire both exit 1 and say so. */
const NOT_FOUND: Expected = { code: 1, stderr: /does not exist/ };

export const CPU_CALLS = 20;
const CPU_SAMPLES = 3;

/** sh -c LOOP sh N CODE ARGV...: runs ARGV N times, stopping at an exit other than CODE. */
const LOOP =
  'n=$1 want=$2; shift 2; i=0; while [ $i -lt $n ]; do "$@" >/dev/null 2>&1; s=$?; ' +
  '[ $s -eq $want ] || { echo "exit $s, expected $want" >&2; exit 1; }; i=$((i + 1)); done';

async function time(
  argv: string[],
  expected: Expected,
  reps: number,
  env?: NodeJS.ProcessEnv,
): Promise<CliTimes> {
  const wall: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = await run(argv, { env });
    if (r.code !== expected.code || (expected.stderr && !expected.stderr.test(r.stderr))) {
      const want = `exit ${expected.code}${expected.stderr ? ` with ${expected.stderr}` : ''}`;
      throw new Error(`${argv.join(' ')}: ${reason(r)} (expected ${want})`);
    }
    wall.push(r.ms);
  }

  const cpu: number[] = [];
  const loop = ['sh', '-c', LOOP, 'sh', String(CPU_CALLS), String(expected.code), ...argv];
  for (let i = 0; i < CPU_SAMPLES; i++) {
    const r = await run(['/usr/bin/time', '-f', 'cpu %U %S', ...loop], { env });
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (r.code !== 0 || !m) {
      throw new Error(`${argv.join(' ')}, ${CPU_CALLS} times under /usr/bin/time: ${reason(r)}`);
    }
    cpu.push(((Number(m[1]) + Number(m[2])) * 1000) / CPU_CALLS);
  }
  return { wall, cpu };
}

/** A verb on a missing container: start-up plus writing the error. */
export function timeMissing(rt: Runtime, verb: string[], reps: number): Promise<CliTimes> {
  return time([...rt.argv, verb[0], 'no-such-container', ...verb.slice(1)], NOT_FOUND, reps);
}

/** Node alone, as the runtime's wrappers start it (without NODE_EXTRA_CA_CERTS). */
export function timeNode(reps: number): Promise<CliTimes> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return time([process.execPath, '-e', '0'], SUCCEEDS, reps, env);
}

/**
 * state and `kill ID 18` on a container in `created` state whose pid is a
 * sleeping process (SIGCONT does nothing to it): the path Docker's calls
 * take, with no error to write. dock-fire only; root is the runtime's --root.
 */
export async function timeCreated(
  rt: Runtime,
  root: string,
  reps: number,
): Promise<{ state: CliTimes; kill: CliTimes }> {
  const sleeper = spawn('sleep', ['3600'], { stdio: 'ignore' });
  const stop = register(`sleep ${sleeper.pid}`, async () => sleeper.kill('SIGKILL'));
  const id = `bench-cli-${process.pid}`;
  const remove = registerPath(path.join(root, id));
  try {
    const stat = fs.readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
    const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const dir = path.join(root, id);
    fs.mkdirSync(dir, { recursive: true });
    const state = {
      runtime: 'dock-fire',
      ociVersion: '1.0.2',
      id,
      bundle: dir,
      rootfs: path.join(dir, 'rootfs'),
      pid: sleeper.pid,
      pidStartTime: startTime,
      status: 'created',
      created: new Date().toISOString(),
      annotations: {},
      vmm: 'qemu',
      imageDir: dir,
    };
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
    return {
      state: await time([...rt.argv, 'state', id], SUCCEEDS, reps),
      kill: await time([...rt.argv, 'kill', id, '18'], SUCCEEDS, reps),
    };
  } finally {
    await remove();
    await stop();
  }
}
