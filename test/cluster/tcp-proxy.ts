import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between Monban and PostgreSQL that a test can break in the two ways networks break:
 * - `down()`: the server is gone. Open connections are reset and new ones refused, as when PostgreSQL stops.
 * - `hang()`: the network swallows everything. Connections stay open (new ones are accepted) but no byte goes
 *   through in either direction, as when packets are dropped; only timeouts can notice.
 * `restore()` ends either: connections from the outage are reset (as a recovered network does to stale ones) and
 * new ones are forwarded again.
 * `slow(ms)`: a distant server. Each new connection starts forwarding only `ms` after it is accepted.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'hang' | 'down' = 'forward';
  private acceptDelayMs = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    private port = 0,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen();
    return proxy;
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'hang') {
      client.resume(); // read and drop
      return;
    }
    // What the client sends meanwhile waits in the socket: nothing reads it before a 'data' listener is added.
    if (this.acceptDelayMs > 0) setTimeout(() => this.forward(client), this.acceptDelayMs);
    else this.forward(client);
  }

  private forward(client: Socket): void {
    if (client.destroyed) return;
    const upstream = connect(this.target);
    this.track(upstream);
    // Forwarding checks the mode on every chunk, so that hang() freezes connections that are already open.
    client.on('data', (chunk) => {
      if (this.mode === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'forward') client.write(chunk);
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        const address = server.address();
        if (typeof address === 'object' && address !== null) this.port = address.port;
        this.server = server;
        resolve();
      });
    });
  }

  private resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** PostgreSQL is gone: connections reset, the port refuses new ones. */
  async down(): Promise<void> {
    this.mode = 'down';
    const closing = this.stopListening();
    this.resetAll();
    await closing;
  }

  /** The network swallows every byte, on open connections and new ones. */
  hang(): void {
    this.mode = 'hang';
  }

  /** Each connection accepted from now on waits `ms` before a byte goes through. */
  slow(ms: number): void {
    this.acceptDelayMs = ms;
  }

  /** Back to normal on the same port. */
  async restore(): Promise<void> {
    const wasDown = this.mode === 'down';
    this.mode = 'forward';
    if (wasDown) await this.listen();
    // Every connection open now dates from the hang (or before it) and has lost bytes.
    else this.resetAll();
  }

  async close(): Promise<void> {
    this.mode = 'down';
    const closing = this.stopListening();
    this.resetAll();
    await closing;
  }
}
