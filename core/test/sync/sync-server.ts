/**
 * A real sync server for tests: `tursodb FILE --sync-server 127.0.0.1:PORT` from the npm
 * package `turso` (a devDependency; the binary ships inside @tursodatabase/cli-<platform>), on a
 * free loopback port, started and stopped (also kill -9) by the test. The binary is spawned
 * directly, not through the package's node wrapper, so killing it kills the server.
 * Also a token gate in front of it, as Turso Cloud checks tokens and tursodb does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, request, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Path of the tursodb binary installed by the `turso` devDependency. */
export function tursodbPath(): string {
  const pkg = `@tursodatabase/cli-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : process.platform === 'win32' ? '-msvc' : ''}`;
  return join(dirname(require.resolve(`${pkg}/package.json`)), process.platform === 'win32' ? 'tursodb.exe' : 'tursodb');
}

export async function freePort(): Promise<number> {
  const srv = netServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Not exited (a killed child has a signalCode and no exitCode). */
const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function waitReady(url: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(child)) throw new Error(`tursodb exited early (${child.exitCode ?? child.signalCode})`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`tursodb did not answer at ${url}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** One remote database served over the sync protocol. */
export class SyncServer {
  private child: ChildProcess | undefined;
  readonly url: string;

  private constructor(
    readonly file: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Serves `file` (created if missing) on a free port. */
  static async start(file: string): Promise<SyncServer> {
    const server = new SyncServer(file, await freePort());
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && alive(this.child);
  }

  /** (Re)starts the server on the same file and port. */
  async restart(): Promise<void> {
    if (this.running) return;
    const child = spawn(tursodbPath(), [this.file, '--sync-server', `127.0.0.1:${this.port}`], { stdio: 'ignore' });
    this.child = child;
    await waitReady(this.url, child);
  }

  /** Stops the server (SIGKILL: no goodbye to clients). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !alive(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * An HTTP gate in front of `target`: forwards only requests bearing `token` (401 otherwise; any
 * request when `token` is undefined), and while `silent` is set it takes requests and never
 * answers (a remote that hangs rather than refuses).
 */
export async function tokenGate(
  target: string,
  token: string | undefined,
): Promise<{ url: string; close: () => Promise<void>; silent: (on: boolean) => void }> {
  const { hostname, port } = new URL(target);
  let silent = false;
  const server: Server = createServer((req, res) => {
    if (silent) return; // never answers
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
      return;
    }
    const upstream = request({ hostname, port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    silent: (on) => void (silent = on),
  };
}
