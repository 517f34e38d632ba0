import { ClientUsageError, OAuthError, ResponseError } from './errors.js';
import type { AuthorizationServer } from './server.js';
import { processTokenResponse, type TokenSet } from './tokens.js';
import {
  expectJsonObject,
  formRequest,
  oauthErrorOf,
  optionalNumber,
  readJson,
  requireString,
  statusError,
  type ClientCredentials,
  type RequestOptions,
} from './wire.js';

/**
 * The grant type of a device poll (RFC 8628 §3.4).
 *
 * @example
 * ```ts
 * body.set('grant_type', DEVICE_CODE_GRANT_TYPE);
 * ```
 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.2's default poll interval, in seconds, when the server names none. */
const DEFAULT_INTERVAL = 5;

/**
 * RFC 8628 §3.5: what each `slow_down` adds to the interval, in seconds, for that poll and every later one.
 *
 * @example
 * ```ts
 * if (result.status === 'slow_down') interval += SLOW_DOWN_STEP;
 * ```
 */
export const SLOW_DOWN_STEP = 5;

/**
 * The device authorization answer (RFC 8628 §3.2).
 *
 * @example
 * ```ts
 * const authorization: DeviceAuthorization = await processDeviceAuthorizationResponse(response);
 * showQrCode(authorization.verificationUriComplete ?? authorization.verificationUri);
 * ```
 */
export interface DeviceAuthorization {
  deviceCode: string;
  /** What the user types on the verification page. */
  userCode: string;
  verificationUri: string;
  /** The verification URI with the code in it (for a link or a QR code), when the server gives one. */
  verificationUriComplete?: string;
  /** Seconds the codes live. */
  expiresIn: number;
  /** Seconds to wait between polls. */
  interval: number;
}

function deviceEndpoint(server: AuthorizationServer): string {
  if (server.deviceAuthorizationEndpoint === undefined) {
    throw new ClientUsageError('device_grant_unsupported', `${server.issuer} offers no device grant (RFC 8628)`);
  }
  return server.deviceAuthorizationEndpoint;
}

/**
 * The device authorization request (RFC 8628 §3.1). Built, not sent.
 *
 * @example
 * ```ts
 * const request = deviceAuthorizationRequest(server, { clientId }, ['user_rates'], { userAgent: 'my-cli/1.0' });
 * const authorization = await processDeviceAuthorizationResponse(await fetch(request));
 * console.log(`Go to ${authorization.verificationUri} and type ${authorization.userCode}`);
 * ```
 */
export function deviceAuthorizationRequest(
  server: AuthorizationServer,
  client: ClientCredentials,
  scopes?: readonly string[],
  options: RequestOptions = {},
): Request {
  const scope = scopes !== undefined && scopes.length > 0 ? scopes.join(' ') : undefined;
  return formRequest(deviceEndpoint(server), client, { scope }, options);
}

/**
 * Reads the device authorization answer (RFC 8628 §3.2), or throws the {@link OAuthError} it carries.
 *
 * @example
 * ```ts
 * const { userCode, verificationUri, interval } = await processDeviceAuthorizationResponse(response);
 * ```
 */
export async function processDeviceAuthorizationResponse(response: Response): Promise<DeviceAuthorization> {
  const body = await expectJsonObject(response);
  const status = response.status;
  const expiresIn = optionalNumber(body, 'expires_in', status);
  if (expiresIn === undefined) throw new ResponseError('invalid_body', '"expires_in" is missing', status);
  const authorization: DeviceAuthorization = {
    deviceCode: requireString(body, 'device_code', status),
    userCode: requireString(body, 'user_code', status),
    verificationUri: requireString(body, 'verification_uri', status),
    expiresIn,
    interval: optionalNumber(body, 'interval', status) ?? DEFAULT_INTERVAL,
  };
  if (typeof body.verification_uri_complete === 'string') {
    authorization.verificationUriComplete = body.verification_uri_complete;
  }
  return authorization;
}

/**
 * One device poll (RFC 8628 §3.4). Built, not sent.
 *
 * @example
 * ```ts
 * const result = await processDeviceTokenResponse(await fetch(deviceTokenRequest(server, client, deviceCode)));
 * ```
 */
export function deviceTokenRequest(
  server: AuthorizationServer,
  client: ClientCredentials,
  deviceCode: string,
  options: RequestOptions = {},
): Request {
  return formRequest(
    server.tokenEndpoint,
    client,
    { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode },
    options,
  );
}

/**
 * What one poll found (RFC 8628 §3.5): the user has not answered yet, the device polls too often, or the tokens.
 *
 * @example
 * ```ts
 * const result: DevicePollResult = await processDeviceTokenResponse(response);
 * if (result.status === 'complete') save(result.tokens);
 * ```
 */
export type DevicePollResult =
  { status: 'authorization_pending' } | { status: 'slow_down' } | { status: 'complete'; tokens: TokenSet };

/**
 * Reads a poll's answer (RFC 8628 §3.5): `authorization_pending` and `slow_down` are results, not errors (keep
 * polling; after `slow_down` wait 5 seconds longer from then on); `access_denied`, `expired_token` and every other
 * error are thrown as {@link OAuthError}.
 *
 * @example
 * ```ts
 * const result = await processDeviceTokenResponse(response);
 * if (result.status === 'complete') save(result.tokens);
 * ```
 */
export async function processDeviceTokenResponse(
  response: Response,
  now: number = Date.now(),
): Promise<DevicePollResult> {
  if (response.status === 200) return { status: 'complete', tokens: await processTokenResponse(response, now) };
  const body = await readJson(response);
  const error = oauthErrorOf(body, response.status);
  if (error?.error === 'authorization_pending') return { status: 'authorization_pending' };
  if (error?.error === 'slow_down') return { status: 'slow_down' };
  throw error ?? statusError(response);
}

/**
 * How the poll loop (RFC 8628 §3.4) sends and waits; both replaceable, so that the loop runs in a test without a
 * network or time.
 *
 * @example
 * ```ts
 * const options: PollOptions = { send: (request) => fetch(request), sleep: (ms) => delay(ms) };
 * ```
 */
export interface PollOptions {
  /** Sends one poll request (the caller's `fetch`, with its retries). */
  send: (request: Request) => Promise<Response>;
  /** Waits this many milliseconds. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch. */
  now?: () => number;
  signal?: AbortSignal;
  requestOptions?: RequestOptions;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until the user answers (RFC 8628 §3.4, §3.5): waits `interval` seconds before each poll, 5 seconds more
 * after each `slow_down`, and gives up with `expired_token` once the codes' lifetime has passed.
 *
 * @example
 * ```ts
 * const tokens = await pollDeviceToken(server, { clientId }, authorization, { send: (r) => fetch(r) });
 * ```
 */
export async function pollDeviceToken(
  server: AuthorizationServer,
  client: ClientCredentials,
  authorization: DeviceAuthorization,
  options: PollOptions,
): Promise<TokenSet> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const deadline = now() + authorization.expiresIn * 1000;
  let interval = authorization.interval;
  for (;;) {
    await sleep(interval * 1000);
    options.signal?.throwIfAborted();
    if (now() >= deadline) throw new OAuthError('expired_token', 'The device code expired before the user answered.');
    const request = deviceTokenRequest(server, client, authorization.deviceCode, {
      ...options.requestOptions,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const result = await processDeviceTokenResponse(await options.send(request), now());
    if (result.status === 'complete') return result.tokens;
    if (result.status === 'slow_down') interval += SLOW_DOWN_STEP;
  }
}
