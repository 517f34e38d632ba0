import { compile } from '@fastify/proxy-addr';
import type { Config } from '../config.js';

/**
 * Whether MONBAN_TRUST_PROXY trusts a connection's peer, decided by the library Fastify decides it with
 * (@fastify/proxy-addr) for the nearest hop: such a peer is a proxy carrying many clients, so per-connection limits
 * must not count it as one client.
 */
export function trustedPeer(setting: Config['trustProxy']): (address: string) => boolean {
  if (typeof setting === 'boolean') return () => setting;
  // A hop count trusts the nearest `setting` addresses, the peer first (ops/index.ts).
  if (typeof setting === 'number') return () => setting > 0;
  const trust = compile(setting);
  return (address) => trust(address, 0);
}
