import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { encodeProcess, encodeRecord, SpecTag } from '../../src/agent/process-spec';
import { guestProcessOf } from '../../src/oci/guest-process';
import { ownRlimits, parseProcLimits, withInherited } from '../../src/oci/rlimits';
import type { Process } from '../../src/oci/spec';

const INFINITY = 0xffffffffffffffffn;

/** /proc/self/limits of a process that Docker's shim started on a Debian host. */
const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96369                96369                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96369                96369                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

function rlimitRecord(resource: number, soft: bigint, hard: bigint): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(resource, 0);
  b.writeBigUInt64LE(soft, 4);
  b.writeBigUInt64LE(hard, 12);
  return encodeRecord(SpecTag.Rlimit, b);
}

describe('inherited rlimits', () => {
  it('reads all sixteen rows of /proc/PID/limits as raw numbers, unlimited as infinity', () => {
    const rlimits = parseProcLimits(LIMITS);
    assert.deepEqual(
      rlimits.map((r) => r.resource),
      [...Array(16).keys()],
    );
    assert.deepEqual(rlimits[3], { resource: 3, soft: 8388608n, hard: INFINITY });
    assert.deepEqual(rlimits[6], { resource: 6, soft: 96369n, hard: 96369n });
    assert.deepEqual(rlimits[7], { resource: 7, soft: 20000n, hard: 20000n });
    assert.deepEqual(rlimits[13], { resource: 13, soft: 0n, hard: 0n });
  });

  it('skips rows a newer kernel may add and lines it cannot read', () => {
    const future = `${'Max future thing'.padEnd(26)}${'5'.padEnd(21)}${'5'.padEnd(21)}things`;
    const text = `${LIMITS}${future}\ngarbage\n`;
    assert.equal(parseProcLimits(text).length, 16);
    assert.deepEqual(parseProcLimits(''), []);
  });

  it('reads this process: every resource, and nofile as Node left it', () => {
    const own = ownRlimits({});
    assert.equal(own.length, 16);
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n')[8];
    assert.match(line, /^Max open files/);
    assert.equal(own[7].soft, BigInt(line.slice(25).trim().split(/\s+/)[0]));
  });

  it('passes on the soft nofile the wrapper was given, never above the hard one', () => {
    const hard = ownRlimits({})[7].hard;
    assert.equal(ownRlimits({ DOCK_FIRE_NOFILE_SOFT: '100' })[7].soft, 100n);
    assert.equal(ownRlimits({ DOCK_FIRE_NOFILE_SOFT: 'unlimited' })[7].soft, hard);
    assert.equal(ownRlimits({ DOCK_FIRE_NOFILE_SOFT: 'x' })[7].soft, hard);
  });

  it("keeps config.json's rlimits and adds only those it does not name", () => {
    const named = [{ resource: 7, soft: 512n, hard: 1024n }];
    const merged = withInherited(named, parseProcLimits(LIMITS));
    assert.equal(merged.length, 16);
    assert.deepEqual(merged[0], named[0]);
    assert.deepEqual(
      merged.filter((r) => r.resource === 7),
      named,
    );
    assert.deepEqual(withInherited(named, []), named);
  });

  it('sends each as one RLIMIT record of the process spec', () => {
    const proc: Process = { args: ['true'], cwd: '/', user: { uid: 0, gid: 0 } };
    const p = guestProcessOf(proc);
    p.rlimits = withInherited(p.rlimits, parseProcLimits(LIMITS));
    const spec = encodeProcess(p);
    assert.ok(spec.includes(rlimitRecord(7, 20000n, 20000n)));
    assert.ok(spec.includes(rlimitRecord(3, 8388608n, INFINITY)));
    assert.ok(spec.includes(rlimitRecord(15, INFINITY, INFINITY)));
  });
});
