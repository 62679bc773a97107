import { PostgresBackend, type Backend } from '../../../bot/db';

/**
 * A second instance's backend on the same database as `backend`: on PostgreSQL a new pool and
 * broadcast connection on the same schema (what a second Parley process has); on SQLite, one
 * process, the same backend. The caller closes it. (describeInstances in test/db/backends.ts is
 * the PostgreSQL-only form; these tests run the same steps on both.)
 */
export async function sameDatabase(backend: Backend): Promise<{ backend: Backend; close: () => Promise<void> }> {
  if (!(backend instanceof PostgresBackend)) return { backend, close: async () => undefined };
  const second = new PostgresBackend(backend.url, { error: () => undefined });
  return { backend: second, close: () => second.close() };
}
