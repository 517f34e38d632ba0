import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { trustedPeer } from '../../src/ops/trusted-peer.js';

const trusts = (setting: string) => trustedPeer(loadConfig({ MONBAN_TRUST_PROXY: setting }).trustProxy);

describe('trustedPeer: the connections MONBAN_TRUST_PROXY says come from a proxy', () => {
  it('trusts no one by default, everyone with true, and the peer with a hop count of 1 or more', () => {
    assert.equal(trusts('')('127.0.0.1'), false);
    assert.equal(trusts('true')('203.0.113.7'), true);
    assert.equal(trusts('1')('203.0.113.7'), true);
    assert.equal(trusts('0')('203.0.113.7'), false);
  });

  it('matches addresses, CIDR ranges and the names loopback, linklocal and uniquelocal', () => {
    const trusted = trusts('10.0.0.0/8, 192.0.2.1, 2001:db8::/32, loopback');
    for (const address of ['10.1.2.3', '192.0.2.1', '2001:db8::5', '127.0.0.1', '::1', '::ffff:10.0.0.9']) {
      assert.equal(trusted(address), true, address);
    }
    for (const address of ['11.0.0.1', '192.0.2.2', '2001:db9::5', 'fe80::1', '::ffff:192.0.2.2']) {
      assert.equal(trusted(address), false, address);
    }
    assert.equal(trusts('uniquelocal')('172.16.0.1'), true);
    assert.equal(trusts('linklocal')('fe80::1'), true);
  });
});
