import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Refuses a state-changing page request sent from another site, even one carrying a valid CSRF token: by
 * Sec-Fetch-Site where the browser sends it, else by Origin (OWASP CSRF cheat sheet, "fetch metadata").
 */
export function sameOriginGuard(publicUrl: string) {
  const publicOrigin = new URL(publicUrl).origin;
  return async function sameOrigin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const ownOrigin = `${request.protocol}://${request.host}`;
    // Sec-Fetch-Site decides when sent: under the pages' `Referrer-Policy: no-referrer`, Chromium sends
    // `Origin: null` with its own same-origin form posts (found by test/browser).
    const refused =
      typeof site === 'string'
        ? site !== 'same-origin' && site !== 'none'
        : typeof origin === 'string' && origin !== publicOrigin && origin !== ownOrigin;
    if (refused) {
      await reply.code(403).send(new CrossOriginRequest());
    }
  };
}

export class CrossOriginRequest extends Error {
  readonly statusCode = 403;
  readonly code = 'MONBAN_CROSS_ORIGIN';
  constructor() {
    super('Cross-origin form submission refused');
    this.name = 'CrossOriginRequest';
  }
}
