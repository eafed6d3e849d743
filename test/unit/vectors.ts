/** Reads test/vectors/protocol.txt, the vectors shared with the C unit test. */
import fs from 'node:fs';
import path from 'node:path';

export interface Vector {
  kind: string;
  name: string;
  fields: Record<string, string>;
}

export function readVectors(): Vector[] {
  const file = path.join(__dirname, '..', '..', '..', 'test', 'vectors', 'protocol.txt');
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [kind, name, ...rest] = line.split(' ');
      const fields: Record<string, string> = {};
      const records: string[] = [];
      for (const item of rest) {
        const eq = item.indexOf('=');
        if (eq > 0) fields[item.slice(0, eq)] = item.slice(eq + 1);
        else records.push(item);
      }
      if (fields.records !== undefined) {
        fields.records = [fields.records, ...records].join(' ');
      }
      return { kind, name, fields };
    });
}

export function hex(text: string): Buffer {
  return text === '-' ? Buffer.alloc(0) : Buffer.from(text, 'hex');
}
