/**
 * The database cannot be reached or cannot answer in time: the connection was refused, dropped or timed out,
 * PostgreSQL is starting or shutting down, or SQLite stayed locked past its busy timeout. Nothing was decided, so
 * the request may be retried; the protocol answers `temporarily_unavailable` (503), pages a 503 page.
 *
 * Raised only by the storage layer, in one place (the driver wrapper in unavailable-dialect.ts), never by a store method.
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
  readonly code = 'MONBAN_STORAGE_UNAVAILABLE';

  constructor(cause: unknown) {
    super(`the database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
