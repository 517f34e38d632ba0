import { normalizeUserCode } from '../core/device/user-code.js';
import { secretHash } from '../core/secrets.js';
import { attemptUnderLimits, SIGN_IN_WINDOW_MS, type AttemptCounter, type Throttled } from './throttle.js';

/** Wrong user codes allowed per address, and per code, within the window (RFC 8628 §5.1). */
export const USER_CODE_LIMIT = 10;

/**
 * Wrong user codes on the device verification page, limited per address and per code typed (RFC 8628 §5.1: a user
 * code is short enough to guess without a limit), over the AttemptCounter the sign-in throttle uses, so that the
 * counts are shared through Redis when it is configured. As there, each attempt takes its places before the code is
 * looked up, and only a wrong code keeps them.
 */
export class UserCodeThrottle {
  constructor(
    private readonly counter: AttemptCounter,
    readonly limit = USER_CODE_LIMIT,
    readonly windowMs = SIGN_IN_WINDOW_MS,
  ) {}

  /** The code as it is compared, hashed: a key of bounded length that does not keep user codes in Redis. */
  private static codeKey(typed: string): string {
    return `device:user-code:${secretHash(normalizeUserCode(typed) ?? typed.trim().toUpperCase())}`;
  }

  private static addressKey(address: string): string {
    return `device:address:${address}`;
  }

  /**
   * Runs `check` only when both the code and the address have room, holding a place under each meanwhile. When
   * `wrong(result)`, both places stay; otherwise (and when `check` throws) both are given back.
   */
  attempt<T>(
    typed: string,
    address: string,
    check: () => Promise<T>,
    wrong: (result: T) => boolean,
  ): Promise<Throttled<T>> {
    const keys = [UserCodeThrottle.codeKey(typed), UserCodeThrottle.addressKey(address)];
    return attemptUnderLimits(this.counter, keys, this.limit, check, wrong);
  }
}
