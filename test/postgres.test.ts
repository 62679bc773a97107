import { Client } from 'pg';
import { describeWithPostgres, freshPostgresDatabase, postgresUrl } from './postgres';

/** The helpers the PostgreSQL half of the suites is built on. */
async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL test server', () => {
  it('is there whenever PARLEY_TEST_POSTGRES=required, so CI never skips the PostgreSQL suites', () => {
    expect(process.env.PARLEY_TEST_POSTGRES !== 'required' || postgresUrl() !== undefined).toBe(true);
  });
});

describeWithPostgres('fresh PostgreSQL databases', () => {
  it('gives each suite its own empty database, and drop removes it', async () => {
    const first = await freshPostgresDatabase();
    const second = await freshPostgresDatabase();
    try {
      expect(first.url).not.toBe(second.url);
      await query(first.url, 'CREATE TABLE queue (id integer)');
      expect(await query(first.url, "SELECT to_regclass('queue') IS NOT NULL AS present")).toEqual([{ present: true }]);
      expect(await query(second.url, "SELECT to_regclass('queue') IS NOT NULL AS present")).toEqual([{ present: false }]);
    } finally {
      await second.drop();
    }
    // drop closes connections still open to the database, so a leaked pool cannot hold it.
    const leaked = new Client({ connectionString: first.url });
    await leaked.connect();
    // The server ends this connection when the database is dropped: that is the point, not a fault.
    leaked.on('error', () => undefined);
    await first.drop();
    const name = new URL(first.url).pathname.slice(1);
    expect(await query(postgresUrl() as string, `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`)).toEqual([{ n: 0 }]);
    await leaked.end().catch(() => undefined);
  });
});
