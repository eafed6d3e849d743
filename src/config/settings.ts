/**
 * Host settings: the config file (/etc/dock-fire/config.json, or the file
 * named by DOCK_FIRE_CONFIG), overridden by DOCK_FIRE_* environment
 * variables; per-container annotations override both (see vm-size.ts).
 */
import fs from 'node:fs';
import { z } from 'zod';
import { DockFireError, errnoCode } from '../errors';
import { parseCidr } from '../network/ipv4';

/** A pool NAT mode can carve /30s from: a valid network, no host bits, not loopback. */
function validNatPool(text: string): boolean {
  try {
    const pool = parseCidr(text);
    return (
      /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) &&
      pool.prefix >= 8 &&
      pool.prefix <= 30 &&
      !text.startsWith('127.')
    );
  } catch {
    // What is wrong with it is the refinement's message.
    return false;
  }
}

export const DEFAULT_CONFIG_PATH = '/etc/dock-fire/config.json';
export const LIB_DIR = '/usr/local/lib/dock-fire';
/** See qemuTcgBufferMiB, and bench/README.md for how it was chosen. */
export const TCG_BUFFER_MIB = 16;

const settingsSchema = z
  .object({
    /** `auto` picks Firecracker when its binary is found, else QEMU. */
    vmm: z.enum(['auto', 'firecracker', 'qemu']).default('auto'),
    kernelPath: z.string().default(`${LIB_DIR}/vmlinux`),
    initrdPath: z.string().default(`${LIB_DIR}/initramfs.cpio`),
    monitorPath: z.string().default(`${LIB_DIR}/dock-fire-monitor`),
    firecrackerPath: z.string().default('firecracker'),
    qemuPath: z.string().default('qemu-system-x86_64'),
    /** QEMU accelerator: `kvm` on real hosts, `tcg` where KVM is unusable. */
    qemuAccel: z.enum(['kvm', 'tcg']).default('kvm'),
    /** QEMU machine type: `microvm`, or `q35` for TCG hosts (see docs). */
    qemuMachine: z.enum(['microvm', 'q35']).default('microvm'),
    /**
     * Under TCG, the bound of QEMU's translated-code buffer (-accel tcg,tb-size=):
     * QEMU's own default lets it grow to 1 GiB (a boot alone fills 32 MiB);
     * below 16 the buffer is flushed so often that guests run slower.
     */
    qemuTcgBufferMiB: z.number().int().min(1).max(1024).default(TCG_BUFFER_MIB),
    vcpus: z.number().int().min(1).max(32).default(1),
    memoryMiB: z.number().int().min(64).max(65536).default(128),
    /** Free space added to the root drive beyond the image's content. */
    diskFreeMiB: z.number().int().min(16).default(512),
    /** A fixed root drive size; 0 sizes each drive from its image's content. */
    diskMiB: z.number().int().min(0).default(0),
    /** Bound of the per-image cache of base drives (MiB); 0 copies the image per container. */
    rootfsCacheMiB: z.number().int().min(0).default(10240),
    /** Where disk images live; never a tmpfs. */
    imageDir: z.string().default('/var/lib/dock-fire'),
    /** How long `start` waits for the guest to boot and start the process. */
    bootTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
    kernelArgs: z.string().default(''),
    /** NAT mode: a namespace with no interface at `start` gets a link of its own. */
    nat: z.boolean().default(false),
    /** Where NAT mode's /30 subnets come from. */
    natPool: z
      .string()
      .refine(validNatPool, 'an IPv4 network from /8 to /30 such as 10.0.0.0/16, not loopback')
      .default('10.0.0.0/16'),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;

const envOverrides: Record<string, { key: keyof Settings; kind: 'string' | 'int' | 'bool' }> = {
  DOCK_FIRE_VMM: { key: 'vmm', kind: 'string' },
  DOCK_FIRE_KERNEL_PATH: { key: 'kernelPath', kind: 'string' },
  DOCK_FIRE_INITRD_PATH: { key: 'initrdPath', kind: 'string' },
  DOCK_FIRE_MONITOR_PATH: { key: 'monitorPath', kind: 'string' },
  DOCK_FIRE_FIRECRACKER_PATH: { key: 'firecrackerPath', kind: 'string' },
  DOCK_FIRE_QEMU_PATH: { key: 'qemuPath', kind: 'string' },
  DOCK_FIRE_QEMU_ACCEL: { key: 'qemuAccel', kind: 'string' },
  DOCK_FIRE_QEMU_MACHINE: { key: 'qemuMachine', kind: 'string' },
  DOCK_FIRE_QEMU_TCG_BUFFER_MIB: { key: 'qemuTcgBufferMiB', kind: 'int' },
  DOCK_FIRE_VCPUS: { key: 'vcpus', kind: 'int' },
  DOCK_FIRE_MEMORY_MIB: { key: 'memoryMiB', kind: 'int' },
  DOCK_FIRE_DISK_FREE_MIB: { key: 'diskFreeMiB', kind: 'int' },
  DOCK_FIRE_DISK_MIB: { key: 'diskMiB', kind: 'int' },
  DOCK_FIRE_IMAGE_DIR: { key: 'imageDir', kind: 'string' },
  DOCK_FIRE_ROOTFS_CACHE_MIB: { key: 'rootfsCacheMiB', kind: 'int' },
  DOCK_FIRE_BOOT_TIMEOUT: { key: 'bootTimeoutSeconds', kind: 'int' },
  DOCK_FIRE_NAT: { key: 'nat', kind: 'bool' },
  DOCK_FIRE_NAT_POOL: { key: 'natPool', kind: 'string' },
};

const BOOLEANS: Record<string, boolean> = {
  1: true,
  true: true,
  yes: true,
  0: false,
  false: false,
  no: false,
};

/** An environment value as the schema expects it; a bad one stays a string and fails there. */
function envValue(kind: 'string' | 'int' | 'bool', value: string): unknown {
  if (kind === 'int') return Number(value);
  if (kind === 'bool') return BOOLEANS[value] ?? value;
  return value;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCK_FIRE_CONFIG || DEFAULT_CONFIG_PATH;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return {};
    throw new DockFireError(`reading config file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new DockFireError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const path = configPath(env);
  const raw: Record<string, unknown> = readConfigFile(path);
  for (const [name, { key, kind }] of Object.entries(envOverrides)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = envValue(kind, value);
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || '(root)';
    throw new DockFireError(
      `invalid setting ${where} (config file ${path} or DOCK_FIRE_* environment): ` +
        `${issue.message}`,
    );
  }
  return parsed.data;
}
