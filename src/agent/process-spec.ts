/**
 * Encodes the START payload: the process spec the guest init applies, as
 * tag-length-value records (docs/protocol.md, "Process spec").
 */
import { MAX_PAYLOAD } from './frame';
import { DockFireError } from '../errors';

export enum SpecTag {
  Arg = 1,
  Env = 2,
  Cwd = 3,
  Uid = 4,
  Gid = 5,
  Group = 6,
  Rlimit = 7,
  Terminal = 8,
  Hostname = 9,
  Mount = 10,
  File = 11,
  RootReadonly = 12,
  Caps = 13,
  NoNewPrivs = 14,
  Umask = 15,
  MaskPath = 16,
  ReadonlyPath = 17,
  Sysctl = 18,
  /** The network records of a container START: src/agent/network-spec.ts. */
  NetLink = 19,
  NetAddr = 20,
  NetRoute = 21,
  DnsRelay = 22,
  PidsLimit = 35,
}

export interface GuestMount {
  flags: number;
  source: string;
  target: string;
  fstype: string;
  data: string;
}

export interface GuestFile {
  mode: number;
  uid: number;
  gid: number;
  target: string;
  content: Buffer;
}

export interface GuestRlimit {
  resource: number;
  soft: bigint;
  hard: bigint;
}

export interface GuestCaps {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export interface GuestProcess {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  rlimits: GuestRlimit[];
  terminal: boolean;
  hostname?: string;
  mounts: GuestMount[];
  files: GuestFile[];
  rootReadonly: boolean;
  caps?: GuestCaps;
  noNewPrivileges: boolean;
  umask?: number;
  maskedPaths: string[];
  readonlyPaths: string[];
  /** `key=value`, applied in the container's namespaces in the guest. */
  sysctls: string[];
  /** pids.max of the container's cgroup in the guest (--pids-limit). */
  pidsLimit?: number;
}

/** One TLV record: u16 tag, u32 length, value. */
export function encodeRecord(tag: number, value: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(tag, 0);
  header.writeUInt32LE(value.length, 2);
  return Buffer.concat([header, value]);
}

class RecordWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  add(tag: SpecTag, value: Buffer): void {
    const record = encodeRecord(tag, value);
    this.parts.push(record);
    this.size += record.length;
  }

  string(tag: SpecTag, value: string, what: string): void {
    if (value.includes('\0')) throw new DockFireError(`${what} contains a NUL byte`);
    this.add(tag, Buffer.from(value, 'utf8'));
  }

  u32(tag: SpecTag, value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0, 0);
    this.add(tag, b);
  }

  finish(): Buffer {
    if (this.size > MAX_PAYLOAD) {
      throw new DockFireError(
        `the process spec is ${this.size} bytes, over the ${MAX_PAYLOAD}-byte limit ` +
          '(too many or too large environment variables or arguments)',
      );
    }
    return Buffer.concat(this.parts);
  }
}

function cString(value: string, what: string): Buffer {
  if (value.includes('\0')) throw new DockFireError(`${what} contains a NUL byte`);
  return Buffer.from(`${value}\0`, 'utf8');
}

function fileValue(f: GuestFile): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(f.mode, 0);
  head.writeUInt32LE(f.uid, 4);
  head.writeUInt32LE(f.gid, 8);
  return Buffer.concat([head, cString(f.target, 'mount destination'), f.content]);
}

/** A FILE record on its own, to add to a spec made earlier. */
export function encodeFile(f: GuestFile): Buffer {
  return encodeRecord(SpecTag.File, fileValue(f));
}

export function encodeProcess(p: GuestProcess): Buffer {
  const w = new RecordWriter();

  for (const arg of p.args) w.string(SpecTag.Arg, arg, 'process.args');
  for (const env of p.env) w.string(SpecTag.Env, env, 'process.env');
  w.string(SpecTag.Cwd, p.cwd, 'process.cwd');
  w.u32(SpecTag.Uid, p.uid);
  w.u32(SpecTag.Gid, p.gid);
  for (const gid of p.groups) w.u32(SpecTag.Group, gid);
  for (const r of p.rlimits) {
    const b = Buffer.alloc(20);
    b.writeUInt32LE(r.resource, 0);
    b.writeBigUInt64LE(r.soft, 4);
    b.writeBigUInt64LE(r.hard, 12);
    w.add(SpecTag.Rlimit, b);
  }
  if (p.terminal) w.add(SpecTag.Terminal, Buffer.alloc(0));
  if (p.hostname !== undefined) w.string(SpecTag.Hostname, p.hostname, 'hostname');

  for (const m of p.mounts) {
    const flags = Buffer.alloc(4);
    flags.writeUInt32LE(m.flags >>> 0, 0);
    w.add(
      SpecTag.Mount,
      Buffer.concat([
        flags,
        cString(m.source, 'mount source'),
        cString(m.target, 'mount destination'),
        cString(m.fstype, 'mount type'),
        cString(m.data, 'mount options'),
      ]),
    );
  }
  for (const f of p.files) w.add(SpecTag.File, fileValue(f));
  if (p.rootReadonly) w.add(SpecTag.RootReadonly, Buffer.alloc(0));
  if (p.caps) {
    const b = Buffer.alloc(40);
    const c = p.caps;
    [c.bounding, c.effective, c.permitted, c.inheritable, c.ambient].forEach((v, i) =>
      b.writeBigUInt64LE(v, i * 8),
    );
    w.add(SpecTag.Caps, b);
  }
  if (p.noNewPrivileges) w.add(SpecTag.NoNewPrivs, Buffer.alloc(0));
  if (p.umask !== undefined) w.u32(SpecTag.Umask, p.umask);
  for (const m of p.maskedPaths) w.string(SpecTag.MaskPath, m, 'linux.maskedPaths');
  for (const r of p.readonlyPaths) w.string(SpecTag.ReadonlyPath, r, 'linux.readonlyPaths');
  for (const s of p.sysctls) w.string(SpecTag.Sysctl, s, 'linux.sysctl');
  if (p.pidsLimit !== undefined && p.pidsLimit > 0) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(p.pidsLimit), 0);
    w.add(SpecTag.PidsLimit, b);
  }

  return w.finish();
}
