import pg from 'pg';
import { launch } from '../../scripts/crash/server';
import { FIXTURE_KB } from '../fixtureKb';
import { postgresSkipReason, postgresUrl } from '../postgres';
import { migrateAll } from '../../bot/db/schemas';
import { SqlAgentStore } from '../../handoff/agents';
import { startApp, testConfig } from '../app';
import { freshPostgres } from '../db/backends';
import { login } from '../handoff/consoleClient';
import { tempDir } from '../tempDb';

/**
 * PostgreSQL that is not there, or refuses Parley: a clear line and exit 1 at start; and a
 * database that goes away while Parley runs: /readyz says so (503) while /healthz stays alive,
 * and it is ready again when the database is back.
 */

const url = postgresUrl();
const STACK_LINE = /^\s+at /m;

async function startAndWaitForExit(databaseUrl: string): Promise<{ code: number | string; output: string }> {
  const server = await launch({ DATABASE_URL: databaseUrl, PARLEY_DATA_DIR: tempDir('parley-pgfault-'), PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, PARLEY_KNOWLEDGE_RELOAD: 'off' });
  const code = await server.exited;
  return { code, output: server.output() };
}

(url ? describe : describe.skip)(`PostgreSQL faults${url ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  jest.setTimeout(90_000);

  it('a server nobody listens on: one plain line naming the server, exit 1', async () => {
    const { code, output } = await startAndWaitForExit('postgres://parley:secret-password@127.0.0.1:1/parley');
    expect(code).toBe(1);
    expect(output).toMatch(/^Parley cannot use its database PostgreSQL 127\.0\.0\.1:1\/parley: the PostgreSQL server cannot be reached.*\(ECONNREFUSED\)/m);
    expect(output).not.toContain('secret-password');
    expect(output).not.toMatch(STACK_LINE);
  });

  it('a database that does not exist: says so, exit 1', async () => {
    const missing = new URL(url!);
    missing.pathname = '/parley_no_such_database';
    const { code, output } = await startAndWaitForExit(missing.toString());
    expect(code).toBe(1);
    expect(output).toMatch(/the database named in DATABASE_URL does not exist.*\(3D000\)/);
  });

  it('/readyz is 503 while the database refuses connections, and 200 again once it is back', async () => {
    // A database of its own, so it can be closed to new connections without touching others.
    const name = `parley_ready_${Date.now()}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const own = new URL(url!);
      own.pathname = `/${name}`;
      const { app, url: base } = await startApp(testConfig({ DATABASE_URL: own.toString() }));
      try {
        const ready = await fetch(`${base}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ready', database: 'PostgreSQL' });

        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        const down = await fetch(`${base}/readyz`);
        expect(down.status).toBe(503);
        expect(((await down.json()) as { reason: string }).reason).toMatch(/the database does not answer/);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);

        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
      } finally {
        await app.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});

(url ? describe : describe.skip)(`shutdown on PostgreSQL${url ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  it('an officer whose console stream was open is recorded disconnected before the database closes', async () => {
    const database = await freshPostgres(url!);
    try {
      await migrateAll(database.sql);
      await new SqlAgentStore(database.sql).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, new Date());
      const { app, url: base } = await startApp(testConfig({ DATABASE_URL: database.url }));
      const ann = await login(base, 'Ann', 'ann-password-1');
      const stream = await fetch(`${base}/api/console/events`, { headers: { cookie: ann.cookie } });
      expect(stream.status).toBe(200);
      for (let i = 0; i < 100 && (await database.sql.get<{ n: number }>('SELECT count(*) AS n FROM agent_streams'))!.n === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await database.sql.get('SELECT count(*) AS n FROM agent_streams')).toEqual({ n: 1 });
      await app.close();
      expect(await database.sql.get('SELECT count(*) AS n FROM agent_streams')).toEqual({ n: 0 });
    } finally {
      await database.close();
    }
  });
});

describe('readiness on SQLite', () => {
  it('/readyz is 200 with the database and knowledge version once started', async () => {
    const { app, url: base } = await startApp(testConfig());
    try {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; database: string; knowledgeVersion: string };
      expect(body).toMatchObject({ status: 'ready', database: 'SQLite' });
      expect(body.knowledgeVersion).toMatch(/\S/);
    } finally {
      await app.close();
    }
  });
});
