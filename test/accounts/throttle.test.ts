/**
 * The throttles' rules alone (issue 9: "throttles that a burst walks through"): places are taken before the
 * password is judged, atomically, and given back only by attempts that do not count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MemoryAttemptCounter,
  SignInThrottle,
  SignUpThrottle,
  type AttemptCounter,
} from '../../src/accounts/throttle.js';

const WINDOW_MS = 15 * 60 * 1000;

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A counter that remembers what was asked of it. */
class RecordingCounter implements AttemptCounter {
  readonly calls: string[] = [];
  constructor(private readonly inner: AttemptCounter = new MemoryAttemptCounter(WINDOW_MS)) {}
  async acquire(key: string, limit: number): Promise<boolean> {
    const acquired = await this.inner.acquire(key, limit);
    this.calls.push(`${acquired ? 'acquire' : 'full'} ${key}`);
    return acquired;
  }
  async release(key: string): Promise<void> {
    this.calls.push(`release ${key}`);
    await this.inner.release(key);
  }
}

describe('MemoryAttemptCounter', () => {
  it('of 40 simultaneous callers for 10 places, exactly 10 get one', async () => {
    const counter = new MemoryAttemptCounter(WINDOW_MS);
    const results = await Promise.all(Array.from({ length: 40 }, () => counter.acquire('k', 10)));
    assert.equal(results.filter(Boolean).length, 10);
    assert.equal(await counter.acquire('other', 10), true, 'keys are apart');
  });

  it('gives places back, never below nothing', async () => {
    const counter = new MemoryAttemptCounter(WINDOW_MS);
    assert.deepEqual([await counter.acquire('k', 2), await counter.acquire('k', 2), await counter.acquire('k', 2)], [
      true,
      true,
      false,
    ]);
    await counter.release('k');
    assert.equal(await counter.acquire('k', 2), true);
    for (let i = 0; i < 5; i++) await counter.release('k');
    assert.deepEqual([await counter.acquire('k', 2), await counter.acquire('k', 2), await counter.acquire('k', 2)], [
      true,
      true,
      false,
    ]);
  });

  it('slides: each place leaves the window on its own', async () => {
    const time = clock();
    const counter = new MemoryAttemptCounter(WINDOW_MS, time.now);
    await counter.acquire('k', 2);
    time.advance(WINDOW_MS / 2);
    await counter.acquire('k', 2);
    assert.equal(await counter.acquire('k', 2), false);
    time.advance(WINDOW_MS / 2);
    assert.equal(await counter.acquire('k', 2), true, 'the first place has left');
    assert.equal(await counter.acquire('k', 2), false);
  });

  it('keeps at most maxKeys keys, dropping the oldest', async () => {
    const counter = new MemoryAttemptCounter(WINDOW_MS, Date.now, 2);
    await counter.acquire('a', 1);
    await counter.acquire('b', 1);
    await counter.acquire('c', 1);
    assert.equal(await counter.acquire('a', 1), true, 'a was forgotten');
    assert.equal(await counter.acquire('c', 1), false);
  });
});

describe('SignInThrottle', () => {
  const nickname = 'sign-in:nickname:alice';
  const address = 'sign-in:address:192.0.2.1';

  it('holds a place for the nickname and the address while the password is checked; a failure keeps both', async () => {
    const counter = new RecordingCounter();
    const throttle = new SignInThrottle(counter, 2);
    const wrong = await throttle.attempt('alice', '192.0.2.1', async () => 'wrong', () => true);
    assert.deepEqual(wrong, { throttled: false, result: 'wrong' });
    assert.deepEqual(counter.calls, [`acquire ${nickname}`, `acquire ${address}`]);
  });

  it('gives both places back on a success, and when the check throws', async () => {
    const counter = new RecordingCounter();
    const throttle = new SignInThrottle(counter, 1);
    assert.deepEqual(await throttle.attempt('alice', '192.0.2.1', async () => 'right', () => false), {
      throttled: false,
      result: 'right',
    });
    await assert.rejects(
      throttle.attempt('alice', '192.0.2.1', () => Promise.reject(new Error('database down')), () => true),
      /database down/,
    );
    const { calls } = counter;
    assert.deepEqual(calls.filter((c) => c.startsWith('release')).sort(), [
      `release ${address}`,
      `release ${address}`,
      `release ${nickname}`,
      `release ${nickname}`,
    ]);
    // Limit 1, and both places are free again.
    assert.equal((await throttle.attempt('alice', '192.0.2.1', async () => 0, () => true)).throttled, false);
  });

  it('checks nothing when either limit is full, and gives back the place it took on the other', async () => {
    const counter = new RecordingCounter();
    const throttle = new SignInThrottle(counter, 1);
    await throttle.attempt('bob', '192.0.2.1', async () => 0, () => true);
    let checked = false;
    const check = async () => (checked = true);
    assert.deepEqual(await throttle.attempt('alice', '192.0.2.1', check, () => true), { throttled: true });
    assert.equal(checked, false);
    assert.deepEqual(counter.calls.slice(-3), [`acquire ${nickname}`, `full ${address}`, `release ${nickname}`]);
    assert.equal((await throttle.attempt('alice', '192.0.2.2', check, () => true)).throttled, false, 'alice had room');
  });

  it('counts a nickname as it is compared: ａｌｉｃｅ, ALICE and аlice (Cyrillic а) share one count', async () => {
    const throttle = new SignInThrottle(new MemoryAttemptCounter(WINDOW_MS), 3);
    for (const [i, typed] of ['ａｌｉｃｅ', 'ALICE', '\u0430lice'].entries()) {
      assert.equal((await throttle.attempt(typed, `192.0.2.${i}`, async () => 0, () => true)).throttled, false);
    }
    assert.equal((await throttle.attempt('alice', '192.0.2.9', async () => 0, () => true)).throttled, true);
  });
});

describe('SignUpThrottle', () => {
  it('keeps the place of an account made, and gives back the place of a refused one', async () => {
    const throttle = new SignUpThrottle(new MemoryAttemptCounter(WINDOW_MS), 2);
    await assert.rejects(throttle.attempt('192.0.2.1', () => Promise.reject(new Error('nickname taken'))));
    assert.deepEqual(await throttle.attempt('192.0.2.1', async () => 'one'), { throttled: false, result: 'one' });
    assert.deepEqual(await throttle.attempt('192.0.2.1', async () => 'two'), { throttled: false, result: 'two' });
    let created = false;
    assert.deepEqual(await throttle.attempt('192.0.2.1', async () => (created = true)), { throttled: true });
    assert.equal(created, false);
  });
});
