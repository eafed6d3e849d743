/**
 * What a run needs, checked before it measures anything, each failure one
 * line that says what to do: the runtime (a binary for the sections that
 * call it directly, a Docker registration for those that go through Docker),
 * runc and /usr/bin/time.
 */
import { findOnPath } from '../src/vmm/select';
import { must } from './exec';

/** The sections that call the runtimes directly; docker and burst go through Docker. */
const DIRECT = ['verbs', 'cli', 'memory', 'throughput'];
const THROUGH_DOCKER = ['docker', 'burst'];
const HINT = 'scripts/dev-runtime.sh NAME registers a checkout';

/** Tools the sections use beside the runtimes. */
export function checkTools(sections: string[]): void {
  if (sections.includes('cli') && !findOnPath('/usr/bin/time')) {
    throw new Error("/usr/bin/time not found, which cli uses: install Debian's time package");
  }
}

/** Docker's runtimes by name, with the path of each (runc's is its bare name). */
async function dockerRuntimes(): Promise<Record<string, { path?: string }>> {
  const info = ['docker', 'info', '--format', '{{json .Runtimes}}'];
  const r = await must(info).catch((err: Error) => {
    throw new Error(`${err.message} (scripts/dockerd-up.sh starts dockerd)`);
  });
  return JSON.parse(r.stdout);
}

/**
 * The binary to call the runtime by (Docker's path for it when it is not on
 * PATH), after checking that the sections wanted can use it.
 */
export async function checkRuntime(name: string, sections: string[]): Promise<string> {
  const registered = (await dockerRuntimes())[name];
  const binary = findOnPath(name) ?? (registered?.path ? findOnPath(registered.path) : undefined);
  if (!binary && !registered) {
    throw new Error(`runtime ${name}: not found on PATH nor registered with Docker (${HINT})`);
  }
  const direct = sections.some((s) => DIRECT.includes(s));
  if (direct && !binary) {
    throw new Error(`runtime ${name}: Docker's path for it, ${registered?.path}, is missing`);
  }
  if (direct && !findOnPath('runc')) {
    throw new Error(`runc: not found on PATH (${DIRECT.join(', ')} time it; Debian's runc)`);
  }
  if (sections.some((s) => THROUGH_DOCKER.includes(s)) && !registered) {
    throw new Error(
      `runtime ${name}: not registered with Docker, which docker and burst use (${HINT})`,
    );
  }
  return binary ?? name;
}
