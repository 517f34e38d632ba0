import type { AuthorizationRequest } from '../authorization/request.js';
import type { Application } from '../model.js';

/**
 * A device's request as the consent page shows it: the application and the scopes, with no redirect URI and no
 * state (RFC 8628 §3.3: the answer goes to the device code, which the device polls for).
 */
export function deviceRequest(application: Application, scopes: string[], deviceCodeId: number): AuthorizationRequest {
  return { application, redirectUri: '', scopes, state: undefined, deviceCodeId };
}

/** Where the browser goes once the user has answered a device's request: a page that sends them back to it. */
export function answeredPath(approved: boolean): string {
  return `/oauth/device/${approved ? 'approved' : 'denied'}`;
}
