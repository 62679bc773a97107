import { openDatabase, PostgresBackend, SqliteBackend, type Backend } from '../../bot/db';

/**
 * A second Parley instance on the same database as `first`, for races between instances on
 * either backend (describeInstances in test/db/backends.ts is PostgreSQL only): another SQLite
 * connection to the same file, or another PostgreSQL pool on the same schema. The caller closes it.
 */
export async function secondInstance(first: Backend): Promise<Backend> {
  if (first instanceof SqliteBackend) return new SqliteBackend(openDatabase(first.db.name));
  if (first instanceof PostgresBackend) return new PostgresBackend(first.url, { error: () => undefined });
  throw new Error(`No second instance for ${first.label}`);
}
