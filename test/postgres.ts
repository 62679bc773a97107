import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * The PostgreSQL half of the tests. `test/globalSetup.ts` starts one throwaway server for the
 * whole jest run (or uses PARLEY_TEST_DATABASE_URL) and passes its superuser URL to every worker
 * in that variable; each suite then makes its own database on it, so suites never share tables.
 */

/** The test server's superuser URL, or undefined when PostgreSQL tests are skipped. */
export function postgresUrl(): string | undefined {
  const url = process.env.PARLEY_TEST_DATABASE_URL;
  return url === undefined || url === '' ? undefined : url;
}

/** Why there is no test server, as the global setup recorded it. */
export function postgresSkipReason(): string {
  return process.env.PARLEY_TEST_POSTGRES_SKIPPED ?? 'PARLEY_TEST_DATABASE_URL is not set';
}

export interface PostgresDatabase {
  /** Superuser URL of the new database. */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

async function asSuperuser<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const url = postgresUrl();
  if (url === undefined) throw new Error(`No PostgreSQL server for tests: ${postgresSkipReason()}. Use describeWithPostgres for the PostgreSQL half of a suite.`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty, uniquely named database on the test server. */
export async function freshPostgresDatabase(): Promise<PostgresDatabase> {
  // Lower case letters, digits and underscores only, so the name needs no quoting rules beyond "".
  const name = `parley_test_${process.pid}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await asSuperuser((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgresUrl() as string);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asSuperuser(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/**
 * `describe` when a PostgreSQL server is there for the tests, else `describe.skip` with the
 * reason in the suite's name: a machine without PostgreSQL still runs `npm test` green, and CI
 * (PARLEY_TEST_POSTGRES=required) fails in the global setup instead of skipping.
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  if (postgresUrl() !== undefined) describe(name, fn);
  else describe.skip(`${name} (skipped: ${postgresSkipReason()})`, fn);
}
