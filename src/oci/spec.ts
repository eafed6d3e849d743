/**
 * The parts of the OCI runtime-spec config.json that dock-fire reads. Unknown
 * fields pass through here; oci/unsupported.ts decides which of them must be
 * refused because ignoring them would silently change behaviour.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DockFireError } from '../errors';

const hook = z.object({
  path: z.string(),
  args: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  timeout: z.number().int().positive().optional(),
});
export type Hook = z.infer<typeof hook>;

const mount = z
  .object({
    destination: z.string(),
    type: z.string().optional(),
    source: z.string().optional(),
    options: z.array(z.string()).optional(),
  })
  .passthrough();
export type Mount = z.infer<typeof mount>;

const rlimit = z.object({ type: z.string(), soft: z.number(), hard: z.number() });

const capabilities = z
  .object({
    bounding: z.array(z.string()).optional(),
    effective: z.array(z.string()).optional(),
    permitted: z.array(z.string()).optional(),
    inheritable: z.array(z.string()).optional(),
    ambient: z.array(z.string()).optional(),
  })
  .passthrough();

export const processSchema = z
  .object({
    terminal: z.boolean().optional(),
    consoleSize: z.object({ height: z.number(), width: z.number() }).optional(),
    user: z
      .object({
        uid: z.number().int().min(0),
        gid: z.number().int().min(0),
        umask: z.number().int().min(0).optional(),
        additionalGids: z.array(z.number().int().min(0)).optional(),
        username: z.string().optional(),
      })
      .passthrough(),
    args: z.array(z.string()).min(1, 'process.args must name a command').optional(),
    commandLine: z.string().optional(),
    env: z.array(z.string()).optional(),
    cwd: z.string().refine((p) => p.startsWith('/'), 'process.cwd must be absolute'),
    capabilities: capabilities.optional(),
    rlimits: z.array(rlimit).optional(),
    noNewPrivileges: z.boolean().optional(),
    apparmorProfile: z.string().optional(),
    oomScoreAdj: z.number().int().optional(),
    selinuxLabel: z.string().optional(),
  })
  .passthrough();
export type Process = z.infer<typeof processSchema>;

const namespace = z.object({ type: z.string(), path: z.string().optional() });

export const specSchema = z
  .object({
    ociVersion: z.string(),
    process: processSchema.optional(),
    root: z.object({ path: z.string(), readonly: z.boolean().optional() }).optional(),
    hostname: z.string().optional(),
    domainname: z.string().optional(),
    mounts: z.array(mount).optional(),
    hooks: z
      .object({
        prestart: z.array(hook).optional(),
        createRuntime: z.array(hook).optional(),
        createContainer: z.array(hook).optional(),
        startContainer: z.array(hook).optional(),
        poststart: z.array(hook).optional(),
        poststop: z.array(hook).optional(),
      })
      .passthrough()
      .optional(),
    annotations: z.record(z.string()).optional(),
    linux: z
      .object({
        namespaces: z.array(namespace).optional(),
        maskedPaths: z.array(z.string()).optional(),
        readonlyPaths: z.array(z.string()).optional(),
        cgroupsPath: z.string().optional(),
        devices: z.array(z.object({ path: z.string() }).passthrough()).optional(),
        resources: z.record(z.unknown()).optional(),
        sysctl: z.record(z.string()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type Spec = z.infer<typeof specSchema>;

export function loadSpec(bundle: string): Spec {
  const file = path.join(bundle, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DockFireError(`reading ${file}: ${(err as Error).message}`);
  }
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DockFireError(`invalid ${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The absolute root filesystem path; relative paths are relative to the bundle. */
export function rootPath(spec: Spec, bundle: string): string {
  if (!spec.root) throw new DockFireError('config.json has no root.path');
  return path.resolve(bundle, spec.root.path);
}
