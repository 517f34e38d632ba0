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
  // A callback hook: an async onSend hook would also make every answer wait for a promise before it is written.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
