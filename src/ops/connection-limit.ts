import type { Server, Socket } from 'node:net';
import { addressKey } from '../http/client-address.js';

/**
 * At most `max` connections open at once from one peer address (IPv6 per /64, as every per-address count), so
 * that one client cannot hold every socket the process can have; a connection past the limit is closed at once,
 * before it is read. Peers that `trusted` names (MONBAN_TRUST_PROXY's proxies) are not counted: each carries many
 * clients.
 */
export function limitConnectionsPerAddress(server: Server, max: number, trusted: (address: string) => boolean): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    // Undefined once the peer has already gone; a Unix socket has no address to count either.
    if (address === undefined || trusted(address)) return;
    const key = addressKey(address);
    const count = open.get(key) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}
