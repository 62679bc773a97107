import pg from 'pg';
import { freshPostgres } from '../db/backends';
import { postgresSkipReason, postgresUrl } from '../postgres';
import { startApp, testConfig } from '../app';
import { residentMessage } from './residentClient';
import type { PostgresBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';

/**
 * "Answered" means "stored": botbuilder's transcript logger does not wait for its writes, so the
 * app waits for them before the HTTP answer goes out. Shown on PostgreSQL by holding a lock on
 * the transcript table from another connection: the resident's answer waits for it.
 */

const url = postgresUrl();

(url ? describe : describe.skip)(`transcript stored before the answer${url ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  jest.setTimeout(60_000);
  let database: PostgresBackend;

  beforeAll(async () => {
    database = await freshPostgres(url!);
    await migrateAll(database.sql);
  });
  afterAll(() => database.close());

  it('a resident turn is not answered until its transcript rows are written', async () => {
    const { app, url: base } = await startApp(testConfig({ DATABASE_URL: database.url }));
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE transcript_activities IN EXCLUSIVE MODE');
      let answered = false;
      const answer = fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(residentMessage('hello', { conversation: 'durable-1', serviceUrl: 'http://127.0.0.1:9/' })),
      }).then((res) => {
        answered = true;
        return res;
      });
      // Until the app's insert is seen waiting on the lock...
      for (let i = 0; i < 200; i++) {
        const { rows } = await locker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO transcript_activities%'");
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      // ...and a while after: the answer must still be waiting for it.
      await Promise.race([answer, new Promise((r) => setTimeout(r, 1_000))]);
      expect(answered).toBe(false);

      await locker.query('COMMIT');
      expect((await answer).status).toBe(200);
      const stored = await database.sql.all<{ from_role: string }>("SELECT from_role FROM transcript_activities WHERE conversation_id = 'durable-1' ORDER BY seq");
      expect(stored.map((r) => r.from_role)).toEqual(expect.arrayContaining(['user', 'bot']));
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await app.close();
    }
  });
});
