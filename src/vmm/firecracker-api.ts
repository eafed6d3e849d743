/**
 * Firecracker's HTTP API on the VM's API socket, for what follows the boot:
 * `PATCH /vm` with `{"state": "Paused" | "Resumed"}` (swagger: Vm).
 */
import http from 'node:http';
import { DockFireError } from '../errors';

const MAX_BODY = 64 * 1024;

export function firecrackerRequest(
  socketPath: string,
  method: string,
  path: string,
  body: object,
  timeoutMs = 10_000,
): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        method,
        path,
        timeout: timeoutMs,
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          if (text.length < MAX_BODY) text += chunk.toString('utf8');
        });
        res.on('end', () => {
          if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) return resolve();
          let reason = text;
          try {
            reason = JSON.parse(text).fault_message ?? text;
          } catch {
            // Not JSON: show it as it is.
          }
          reject(new DockFireError(`Firecracker ${method} ${path}: ${res.statusCode} ${reason}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new DockFireError(`Firecracker API: ${err.message}`)));
    req.end(payload);
  });
}
