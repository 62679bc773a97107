import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PostgresBackend, SqliteBackend, openDatabase, type Backend } from '../../bot/db';
import { postgresSkipReason, postgresUrl } from '../postgres';
import { tempDir } from '../tempDb';

/**
 * The shared store suite: `forEachBackend` defines the same tests twice, on a SQLite file (with its
 * writes committed on a writer thread, as the server commits them) and on PostgreSQL (the server `PARLEY_TEST_DATABASE_URL` names; see test/README.md). Each `fresh()`
 * is an empty database: a new SQLite file, or a new PostgreSQL schema (cheaper than a database),
 * closed after the test.
 */

export type FreshBackend = () => Promise<Backend>;

const silent = { error: () => undefined };

export function forEachBackend(title: string, define: (fresh: FreshBackend, dialect: 'sqlite' | 'postgres') => void): void {
  describe(`${title} (SQLite)`, () => define(track(async () => freshSqlite()), 'sqlite'));
  const url = postgresUrl();
  const describePg = url ? describe : describe.skip;
  describePg(`${title} (PostgreSQL${url ? '' : `: skipped, ${postgresSkipReason()}`})`, () => define(track(() => freshPostgres(url!)), 'postgres'));
}

/** A backend on a new SQLite file, committing as the server does: group commits on a writer thread. */
export function freshSqlite(): SqliteBackend {
  const backend = new SqliteBackend(openDatabase(`${tempDir('parley-store-')}/parley.sqlite`));
  backend.commitInBackground(silent);
  return backend;
}

/**
 * Tests of what several instances on one PostgreSQL database do: `fresh()` is a new schema, and
 * `another(backend)` a second instance (its own pool and listener) on the same one.
 */
export function describeInstances(title: string, define: (fresh: () => Promise<PostgresBackend>, another: (b: PostgresBackend) => Promise<PostgresBackend>) => void): void {
  const url = postgresUrl();
  (url ? describe : describe.skip)(`${title} (PostgreSQL, several instances${url ? '' : `: skipped, ${postgresSkipReason()}`})`, () => {
    const opened: PostgresBackend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });
    const keep = (b: PostgresBackend) => (opened.push(b), b);
    define(
      async () => keep(await freshPostgres(url!)),
      async (b) => keep(new PostgresBackend(b.url, silent)),
    );
  });
}

/** A backend on a new, empty PostgreSQL schema of the test server. */
export async function freshPostgres(url: string, log: Pick<Console, 'error'> = silent): Promise<PostgresBackend> {
  const schema = `t_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  return new PostgresBackend(withSearchPath(url, schema), log);
}

/** The URL with every connection's search_path set to `schema`. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Closes every backend a test opened when it ends. */
function track(open: FreshBackend): FreshBackend {
  const opened: Backend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });
  return async () => {
    const backend = await open();
    opened.push(backend);
    return backend;
  };
}

/**
 * A second connection to the same database as `backend`, as another Parley instance would open
 * it (another SQLite connection to the file, or another PostgreSQL pool on the schema): for races
 * between instances on either backend. The caller closes it.
 */
export function anotherConnection(backend: Backend): Backend {
  if (backend instanceof PostgresBackend) return new PostgresBackend(backend.url, silent);
  if (backend instanceof SqliteBackend) return new SqliteBackend(openDatabase(backend.db.name));
  throw new Error(`No second connection for ${backend.label}`);
}

/**
 * A second instance's backend on the same database, broadcast included: on PostgreSQL a new pool
 * and listener on the schema; on SQLite (one process, an in-process broadcast) the same backend,
 * whose `close` here does nothing. For the same steps on both backends.
 */
export function anotherInstance(backend: Backend): { backend: Backend; close: () => Promise<void> } {
  if (!(backend instanceof PostgresBackend)) return { backend, close: async () => undefined };
  const second = new PostgresBackend(backend.url, silent);
  return { backend: second, close: () => second.close() };
}
