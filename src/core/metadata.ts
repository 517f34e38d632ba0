import { CLIENT_AUTH_METHODS } from './client-authentication.js';
import { GRANTS } from './grants/index.js';
import { DEFAULT_SCOPES } from './scopes.js';
import { CODE_CHALLENGE_METHODS } from './pkce.js';

/** RFC 8628 §3.4's grant type: while no grant module has it, the device endpoint is not advertised either. */
const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** The protected resource Monban's bearer tokens are for (RFC 9728 §1.2): everything under `/api`. */
export const API_RESOURCE_PATH = '/api';

/**
 * Where the API's metadata is (RFC 9728 §3.1: the well-known path, then the resource's own path), as its 401 and
 * 403 challenges name it (RFC 9728 §5.1). A client that derives the URL from the resource finds the same document.
 */
export function resourceMetadataUrl(issuer: string): string {
  return `${issuer}/.well-known/oauth-protected-resource${API_RESOURCE_PATH}`;
}

/**
 * RFC 8414 §2: the authorization server's metadata. `issuer` is MONBAN_PUBLIC_URL, which every authorization
 * response also carries as `iss` (RFC 9207 §2). The lists come from the code that enforces them (the grant registry,
 * the client-authentication policy, the server's scopes), so that what is advertised is what works.
 */
export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  const grantTypes = [...GRANTS.keys()];
  const authMethods = [...CLIENT_AUTH_METHODS];
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    ...(grantTypes.includes(DEVICE_CODE_GRANT_TYPE)
      ? { device_authorization_endpoint: `${issuer}/oauth/device_authorization` }
      : {}),
    // The server's scopes (compatibility.md §1); any other scope exists only for the applications given it, and
    // RFC 8414 §2 lets a server leave such scopes out.
    scopes_supported: [...DEFAULT_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: grantTypes,
    token_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_methods_supported: authMethods,
    // RFC 7636 §4.2: S256 only; `plain` is refused (RFC 9700 §2.1.1).
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/oauth`,
  };
}

/**
 * RFC 9728 §2: the API's metadata. Bearer tokens are read from the header, the body and the query string
 * (core/bearer.ts, as Doorkeeper does: compatibility.md §5).
 */
export function protectedResourceMetadata(issuer: string): Record<string, unknown> {
  return {
    resource: `${issuer}${API_RESOURCE_PATH}`,
    authorization_servers: [issuer],
    scopes_supported: [...DEFAULT_SCOPES],
    bearer_methods_supported: ['header', 'body', 'query'],
    resource_documentation: `${issuer}/oauth`,
  };
}
