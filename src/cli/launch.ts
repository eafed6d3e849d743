#!/usr/bin/env node
/**
 * dock-fire's entry point. Every OCI verb is a fresh Node process, and
 * compiling the CLI bundle (dock-fire-main.js, ~600 KB) was a good part of
 * its start-up: this runs the bundle from V8's code cache instead
 * (bench/README.md, "CLI start-up").
 *
 * The build stamps the bundle's first line with a hash of its content and
 * writes a cache for it. A cache is used only for the bundle whose hash it
 * names: V8 itself checks only the source's length, its own version and its
 * flags, so a rebuilt bundle of the same length would run stale code. A
 * missing, foreign or rejected cache costs only the compile, and the cache
 * is then rewritten when the process exits.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const BUNDLE = path.join(__dirname, 'dock-fire-main.js');
const CACHE = `${BUNDLE}.cache`;
const STAMP = /^\/\* dock-fire build ([0-9a-f]{16,64}) \*\//;

/** The cache written for the bundle with this hash, or undefined. */
export function readCache(file: string, hash: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    // No cache (a first run, or a build without one): compile the bundle.
    return undefined;
  }
  const header = Buffer.from(`${hash}\n`);
  return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
}

/** Writes the cache atomically: concurrent verbs may all be refreshing it. */
export function writeCache(file: string, hash: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${hash}\n`), data]), { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch {
    // A read-only install keeps its build-time cache, or none: start-up is
    // slower, nothing else changes.
    fs.rmSync(tmp, { force: true });
  }
}

/** Runs the CommonJS bundle at file, compiled from cache when one fits it. */
export function runBundle(file: string, cacheFile: string): void {
  const source = fs.readFileSync(file, 'utf8');
  const hash = STAMP.exec(source)?.[1];
  const cachedData = hash ? readCache(cacheFile, hash) : undefined;
  // The wrapper keeps the bundle's line numbers in stack traces.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  if (hash && (cachedData === undefined || script.cachedDataRejected)) {
    // After the run the cache holds the functions this verb compiled too.
    process.once('exit', () => writeCache(cacheFile, hash, script.createCachedData()));
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
}

if (require.main === module) runBundle(BUNDLE, CACHE);
