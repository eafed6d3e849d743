/**
 * Servers on the host side for network tests, each a child process so that
 * they answer while a test blocks in spawnSync. Nothing listens beyond the
 * addresses given, and nothing is sent off this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface Server {
  port: number;
  /** The remote addresses of the requests served so far. */
  clients: string[];
  stop(): void;
}

/** `HTTP GET /any` answers "hello <client address>"; every client is recorded. */
const HTTP_SERVER = `
  const http = require('http');
  const [host, port] = process.argv.slice(1);
  const server = http.createServer((req, res) => {
    const client = req.socket.remoteAddress.replace(/^::ffff:/, '');
    console.log('client ' + client);
    res.end('hello ' + client + '\\n');
  });
  server.listen(Number(port), host, () => console.log('port ' + server.address().port));
  setTimeout(() => process.exit(0), 20 * 60 * 1000).unref();
`;

/**
 * A DNS server that answers every A query with 192.0.2.123 (TEST-NET-1,
 * never routed), standing in for an upstream resolver.
 */
const DNS_SERVER = `
  const dgram = require('dgram');
  const [host, port] = process.argv.slice(1);
  const sock = dgram.createSocket('udp4');
  sock.on('message', (q, from) => {
    if (q.length < 17) return;
    let i = 12;
    while (i < q.length && q[i] !== 0) i += q[i] + 1;
    const question = q.subarray(12, i + 5);
    const header = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    const answer = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 123]);
    const isA = q[i + 1] === 0 && q[i + 2] === 1;
    if (!isA) header[7] = 0;
    sock.send(Buffer.concat(isA ? [header, question, answer] : [header, question]), from.port, from.address);
    console.log('client ' + from.address);
  });
  sock.bind(Number(port), host, () => console.log('port ' + sock.address().port));
  setTimeout(() => process.exit(0), 20 * 60 * 1000).unref();
`;

function start(script: string, host: string, port: number, netns?: string): Promise<Server> {
  const argv = ['-e', script, host, String(port)];
  const child: ChildProcess = netns
    ? spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], { stdio: 'pipe' })
    : spawn(process.execPath, argv, { stdio: 'pipe' });
  const clients: string[] = [];
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const [word, value] = line.split(' ');
      if (word === 'client') clients.push(value);
      if (word === 'port') {
        resolve({ port: Number(value), clients, stop: () => child.kill('SIGKILL') });
      }
    });
  });
}

export function httpServer(host: string, port = 0, netns?: string): Promise<Server> {
  return start(HTTP_SERVER, host, port, netns);
}

export function dnsServer(host: string, port = 53): Promise<Server> {
  return start(DNS_SERVER, host, port);
}
