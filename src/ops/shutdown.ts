import type { FastifyInstance } from 'fastify';

/**
 * Once the server is closing, every answer says `Connection: close`, so that a client's keep-alive connection
 * ends with its last request instead of holding the process until MONBAN_SHUTDOWN_TIMEOUT (Node closes the
 * connections idle when close() is called, not those that become idle later). New requests are refused by
 * Fastify itself (503 while closing).
 */
export function registerDrain(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
