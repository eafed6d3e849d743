/**
 * CLI start-up: each verb timed alone, with no VM running beside it, wall
 * and CPU time (user + system; more telling than wall time on a loaded
 * machine). Node's own start (`node -e 0`) is timed beside it, so the split
 * between Node and dock-fire shows in every run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Runtime } from './bundle';
import { register, registerPath } from './cleanup';
import { run } from './exec';

export interface CliTimes {
  wall: number[];
  cpu: number[];
}

async function time(argv: string[], reps: number, env?: NodeJS.ProcessEnv): Promise<CliTimes> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = await run(['/usr/bin/time', '-f', 'cpu %U %S', ...argv], { env });
    wall.push(r.ms);
    const m = /cpu ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { wall, cpu };
}

/** A verb on a missing container: start-up plus writing the error. */
export function timeMissing(rt: Runtime, verb: string[], reps: number): Promise<CliTimes> {
  return time([...rt.argv, verb[0], 'no-such-container', ...verb.slice(1)], reps);
}

/** Node alone, as the runtime's wrappers start it (without NODE_EXTRA_CA_CERTS). */
export function timeNode(reps: number): Promise<CliTimes> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return time([process.execPath, '-e', '0'], reps, env);
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
      state: await time([...rt.argv, 'state', id], reps),
      kill: await time([...rt.argv, 'kill', id, '18'], reps),
    };
  } finally {
    await remove();
    await stop();
  }
}
