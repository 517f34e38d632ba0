/**
 * The closed set of refusals of the user_rates API (docs/user-rates.md §7), each with Shikimori's status; the HTTP
 * layer turns them into their bodies. Anything else thrown in this API is answered as an unexpected error (422).
 */
export abstract class UserRateRefusal extends Error {
  abstract readonly status: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No such entry: Shikimori's localized 404 page body. */
export class UserRateNotFound extends UserRateRefusal {
  readonly status = 404;

  constructor() {
    super('user rate not found');
  }
}

/** The entry is another user's, or the token has no user: CanCan's 403. */
export class UserRateForbidden extends UserRateRefusal {
  readonly status = 403;

  constructor() {
    super('You are not authorized to access this page.');
  }
}

/**
 * A write without any token: CanCan's 403, as Shikimori answers a guest; the HTTP layer adds RFC 6750's challenge
 * (docs/user-rates.md §8).
 */
export class UserRateUnauthenticated extends UserRateRefusal {
  readonly status = 403;

  constructor() {
    super('a write needs an access token');
  }
}

/** Parameters or values refused: 422 with the messages, `{"errors":[...]}` (a bare array on GET). */
export class UserRateInvalid extends UserRateRefusal {
  readonly status = 422;

  constructor(readonly messages: readonly string[]) {
    super(messages.join('; '));
  }
}
