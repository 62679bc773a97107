import { PostgresBackend, type Backend } from '../../../bot/db';
import { withSearchPath } from '../../db/backends';

/**
 * A second instance's backend on the same database as `backend`: on PostgreSQL a new pool and
 * broadcast connection on the same schema (what a second Parley process has); on SQLite, one
 * process, the same backend. The caller closes it.
 */
export async function sameDatabase(backend: Backend): Promise<{ backend: Backend; close: () => Promise<void> }> {
  if (!(backend instanceof PostgresBackend)) return { backend, close: async () => undefined };
  const { schema } = (await backend.sql.get<{ schema: string }>('SELECT current_schema() AS schema'))!;
  const second = new PostgresBackend(withSearchPath(process.env.PARLEY_TEST_DATABASE_URL!, schema), { error: () => undefined });
  return { backend: second, close: () => second.close() };
}
