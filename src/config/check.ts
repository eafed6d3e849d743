/**
 * `dock-fire check`: what this host offers (KVM, VMMs, kernel, Docker
 * registration), which backend the settings select, and what to fix.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { configPath, type Settings } from './settings';
import { findOnPath, kvmProblem, selectBackend, checkBootFiles } from '../vmm/select';

interface Finding {
  ok: boolean;
  what: string;
  detail: string;
}

function version(binary: string, args: string[]): string {
  try {
    return execFileSync(binary, args, { encoding: 'utf8', timeout: 5000 }).split('\n')[0].trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

function dockerRegistration(): Finding {
  const file = '/etc/docker/daemon.json';
  try {
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    const entry = config?.runtimes?.['dock-fire'];
    if (entry?.path)
      return { ok: true, what: 'docker', detail: `registered in ${file} (${entry.path})` };
  } catch {
    // Missing or unreadable: reported below.
  }
  return {
    ok: false,
    what: 'docker',
    detail: `dock-fire is not registered in ${file}: run ./install.sh`,
  };
}

export function checkHost(settings: Settings): boolean {
  const findings: Finding[] = [];
  findings.push({
    ok: true,
    what: 'config',
    detail:
      `${configPath()} (vmm ${settings.vmm}, ` +
      `qemuAccel ${settings.qemuAccel}, ${settings.vcpus} vCPU, ${settings.memoryMiB} MiB)`,
  });

  const kvm = kvmProblem();
  findings.push({
    ok: kvm === undefined || settings.qemuAccel === 'tcg',
    what: 'kvm',
    detail: kvm ?? '/dev/kvm is usable',
  });

  const firecracker = findOnPath(settings.firecrackerPath);
  findings.push({
    ok: true,
    what: 'firecracker',
    detail: firecracker
      ? `${firecracker}: ${version(firecracker, ['--version'])}`
      : 'not installed',
  });
  const qemu = findOnPath(settings.qemuPath);
  findings.push({
    ok: qemu !== undefined || firecracker !== undefined,
    what: 'qemu',
    detail: qemu
      ? `${qemu}: ${version(qemu, ['--version'])}`
      : 'not installed: apt-get install qemu-system-x86',
  });

  try {
    checkBootFiles(settings);
    findings.push({
      ok: true,
      what: 'guest',
      detail:
        `kernel ${settings.kernelPath}, ` +
        `initramfs ${settings.initrdPath}, monitor ${settings.monitorPath}`,
    });
  } catch (err) {
    findings.push({ ok: false, what: 'guest', detail: (err as Error).message });
  }
  try {
    const backend = selectBackend(settings);
    findings.push({
      ok: true,
      what: 'backend',
      detail:
        `${backend.name}` +
        (backend.name === 'qemu'
          ? ` (accel ${settings.qemuAccel}, machine ${settings.qemuMachine})`
          : ''),
    });
  } catch (err) {
    findings.push({ ok: false, what: 'backend', detail: (err as Error).message });
  }
  findings.push(dockerRegistration());

  for (const f of findings) {
    process.stdout.write(`${f.ok ? 'ok  ' : 'FIX '} ${f.what.padEnd(12)} ${f.detail}\n`);
  }
  return findings.every((f) => f.ok);
}
