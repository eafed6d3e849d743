/**
 * Which accelerator the runtime's VMs use, known before any VM starts, so
 * that every section's rows carry it (also `--only docker`), and the VMMs'
 * versions, for the results.
 */
import { run } from './exec';

/**
 * The accelerator `RUNTIME check` reports: its backend line reads
 * `qemu (accel tcg, machine microvm)`, or `firecracker` (always KVM).
 */
export async function checkedAccel(binary: string): Promise<string | undefined> {
  const r = await run([binary, 'check']);
  const backend = /^\S+\s+backend\s+(\S+)(?: \(accel (\w+))?/m.exec(r.stdout);
  if (backend?.[1] === 'firecracker') return 'kvm';
  return backend?.[2];
}

/** The first line of `VMM --version` for each VMM on PATH. */
export async function vmmVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const vmm of ['qemu-system-x86_64', 'firecracker']) {
    const r = await run([vmm, '--version']);
    if (r.code === 0) versions[vmm] = r.stdout.split('\n')[0].trim();
  }
  return versions;
}
