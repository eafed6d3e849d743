/**
 * What a container could leave behind on the host. Tests take a snapshot
 * before and compare after, and the last test asserts none is left at all.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { RUNTIME } from './docker';

export const NAT_DIR = '/var/lib/dock-fire/nat';

export const STATE_ROOTS = [
  '/run/dock-fire',
  '/run/docker/runtime-runc/moby',
  '/var/run/docker/runtime-dock-fire/moby',
];
/** scripts/dev-runtime.sh gives each runtime name its own image directory. */
export const IMAGE_DIR = `/var/lib/${RUNTIME}`;

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).map((e) => `${dir}/${e}`);
  } catch {
    return [];
  }
}

function processes(): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    } catch {
      continue;
    }
    const program = cmd.split(' ')[0].split('/').pop() ?? '';
    if (/^(dock-fire-monitor|qemu-system-.*|firecracker)$/.test(program)) {
      found.push(`${pid}: ${cmd.slice(0, 120)}`);
    }
  }
  return found;
}

function dockFireStateDirs(): string[] {
  // Docker's runc root also holds runc containers' state: only count dock-fire's.
  return STATE_ROOTS.flatMap(entries).filter(
    (d) => fs.existsSync(`${d}/process.spec`) || d.startsWith('/run/dock-fire/'),
  );
}

function mounts(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => /dock-fire/.test(l));
}

function loopDevices(): string[] {
  const r = spawnSync('losetup', ['-a'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter((l) => /dock-fire/.test(l));
}

/** Container cgroups under Docker's parent, in every mounted hierarchy. */
function cgroups(): string[] {
  return entries('/sys/fs/cgroup')
    .flatMap((h) => [...entries(`${h}/docker`), ...entries(`${h}/system.slice`)])
    .filter((d) => /\/docker\/[0-9a-f]{64}$|docker-[0-9a-f]{64}\.scope$/.test(d));
}

/** Interfaces and iptables rules that carry a dock-fire owner tag, and NAT leases. */
function networkObjects(): string[] {
  const links = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' });
  const found = (JSON.parse(links.stdout || '[]') as { ifname: string; ifalias?: string }[])
    .filter((l) => l.ifalias?.startsWith('dock-fire:'))
    .map((l) => `interface ${l.ifname} (${l.ifalias})`);
  for (const table of ['filter', 'nat']) {
    const rules = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' });
    for (const line of (rules.stdout ?? '').split('\n')) {
      if (line.includes('dock-fire:')) found.push(`iptables rule ${line}`);
    }
  }
  try {
    const leases = JSON.parse(fs.readFileSync(`${NAT_DIR}/leases.json`, 'utf8')) as object[];
    found.push(...leases.map((l) => `NAT lease ${JSON.stringify(l)}`));
  } catch {
    // No lease file: no leases.
  }
  return found;
}

/**
 * Per-container image directories, and unfinished base drives. The rootfs
 * cache itself stays by design (bounded, emptied by `dock-fire gc`).
 */
function imageDirs(): string[] {
  const cache = `${IMAGE_DIR}/.rootfs-cache`;
  // NAT mode's lease file stays (its leases are checked in networkObjects).
  const kept = [cache, NAT_DIR];
  return [
    ...entries(IMAGE_DIR).filter((d) => !kept.includes(d)),
    ...entries(cache).filter((f) => /\.tmp-\d+$/.test(f)),
  ];
}

export function leftovers(): string[] {
  return [
    ...networkObjects(),
    ...cgroups().map((c) => `cgroup ${c}`),
    ...processes().map((p) => `process ${p}`),
    ...dockFireStateDirs().map((d) => `state dir ${d}`),
    ...imageDirs().map((d) => `image dir ${d}`),
    ...mounts().map((m) => `mount ${m}`),
    ...loopDevices().map((l) => `loop device ${l}`),
  ];
}

/**
 * Leftovers once teardown has settled: Docker and the shim finish removing a
 * container shortly after the CLI returns. Polls (bounded) until the snapshot
 * matches `expected`, then returns what is there.
 */
export async function settledLeftovers(expected: string[], timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let now = leftovers();
  while (JSON.stringify(now) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    now = leftovers();
  }
  return now;
}
