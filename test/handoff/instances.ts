import { openDatabase, PostgresBackend, SqliteBackend, type Backend } from '../../bot/db';
import { withSearchPath } from '../db/backends';

/**
 * A second Parley instance on the same database as `first`: another SQLite connection to the
 * same file, or another PostgreSQL pool on the same schema. For races between instances.
 * The caller closes it.
 */
export async function secondInstance(first: Backend): Promise<Backend> {
  if (first instanceof SqliteBackend) return new SqliteBackend(openDatabase(first.db.name));
  const url = process.env.PARLEY_TEST_DATABASE_URL;
  if (!url) throw new Error('A PostgreSQL backend in a test needs PARLEY_TEST_DATABASE_URL');
  const schema = (await first.sql.get<{ schema: string }>('SELECT current_schema() AS schema'))!.schema;
  return new PostgresBackend(withSearchPath(url, schema), { error: () => undefined });
}
