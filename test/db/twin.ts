import { PostgresBackend, SqliteBackend, openDatabase, type Backend } from '../../bot/db';

/**
 * A second connection to the same database as `backend`, as another Parley instance would open
 * it: for tests of what two instances do at once. The caller closes it.
 */
export function twin(backend: Backend): Backend {
  if (backend instanceof PostgresBackend) return new PostgresBackend(backend.url, { error: () => undefined });
  if (backend instanceof SqliteBackend) return new SqliteBackend(openDatabase(backend.db.name));
  throw new Error(`No twin for ${backend.label}`);
}
