// A real redis-server and a real redbank-server for the client's tests, each on a
// free loopback port with its own directory; and a proxy that can lose replies.
// The binaries: $REDBANK_BIN_DIR, or the `debug` folder of $CARGO_TARGET_DIR
// (default: the repository's target/); ./scripts/test builds them first.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
// A hang, not a slow machine, is what this catches.
const START_LIMIT_MS = 60_000;

function binary(name: string): string {
  const dir = process.env.REDBANK_BIN_DIR
    ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'debug');
  const file = path.join(dir, name);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: build it with \`cargo build --bins\` (./scripts/test does), or set REDBANK_BIN_DIR`);
  }
  return file;
}

function onPath(program: string, hint: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = path.join(dir, program);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${program} is missing: ${hint}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, port: number): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (Date.now() < deadline) {
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${START_LIMIT_MS} ms`);
}

export class Service {
  endpoint = '';
  port = 0;
  admin = '';
  redisUrl = '';
  private procs: ChildProcess[] = [];
  private dir = '';

  static async start(): Promise<Service> {
    const s = new Service();
    const redis = onPath('redis-server', 'apt-get install redis-server (./scripts/install-deps does)');
    s.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redbank-ts-'));
    const redisPort = await freePort();
    s.redisUrl = `redis://127.0.0.1:${redisPort}`;
    s.procs.push(spawn(redis, ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', s.dir, '--save', '',
      '--appendonly', 'no'], { stdio: 'ignore' }));
    await waitFor('redis-server', redisPort);
    s.admin = s.makeKey('--role', 'admin');
    s.port = await freePort();
    s.endpoint = `127.0.0.1:${s.port}`;
    s.procs.push(spawn(binary('redbank-server'), ['--listen', s.endpoint, '--redis-url', s.redisUrl,
      '--shutdown-grace-ms', '0', '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] }));
    await waitFor('redbank-server', s.port);
    return s;
  }

  /** A key made straight in Redis (`redbank keys create --redis-url`): its credential. */
  makeKey(...args: string[]): string {
    const out = execFileSync(binary('redbank'), ['--json', 'keys', 'create', ...args, '--redis-url', this.redisUrl],
      { encoding: 'utf8', timeout: START_LIMIT_MS });
    return JSON.parse(out).credential;
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs].reverse()) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy in front of the server that can lose replies: while `hold()` is in
 * force it forwards every byte to the server but keeps the server's answers;
 * `cut()` then closes every connection, and what it kept is never seen.
 */
export class LostReplies {
  endpoint = '';
  kept = 0;
  private holding = false;
  private sockets = new Set<net.Socket>();
  private server: net.Server;

  private constructor(upstreamPort: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (this.holding) this.kept += d.length;
        else client.write(d);
      });
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  static async start(upstreamPort: number): Promise<LostReplies> {
    const p = new LostReplies(upstreamPort);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.endpoint = `127.0.0.1:${(p.server.address() as net.AddressInfo).port}`;
    return p;
  }

  hold(): void { this.holding = true; }

  /** Closes every connection; what was kept is lost. New connections pass. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.holding = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}
