import { PostgresBackend, type Backend } from '../../bot/db';
import { withSearchPath } from '../db/backends';

/**
 * A second backend on the same database as `backend`, as a second Parley instance would have:
 * on PostgreSQL its own pool on the test schema; on SQLite (one process per file) the same one.
 * Close it with `close`, which leaves a shared SQLite backend to its owner.
 */
export async function secondInstance(backend: Backend): Promise<{ backend: Backend; close: () => Promise<void> }> {
  if (backend.sql.dialect === 'sqlite') return { backend, close: async () => undefined };
  const schema = (await backend.sql.get<{ schema: string }>('SELECT current_schema() AS schema'))!.schema;
  const other = new PostgresBackend(withSearchPath(process.env.PARLEY_TEST_DATABASE_URL!, schema), { error: () => undefined });
  return { backend: other, close: () => other.close() };
}
