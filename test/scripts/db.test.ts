import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SqlAgentStore } from '../../handoff/agents';
import { startApp, testConfig, withSql } from '../app';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { freshPostgres } from '../db/backends';
import { call, login } from '../handoff/consoleClient';
import { startStandInChannel } from '../handoff/standInChannel';
import { postgresSkipReason, postgresUrl } from '../postgres';

/**
 * npm run db:migrate and npm run db:copy as a council would run them: a SQLite deployment with
 * an officer, a resident waiting in the queue and their conversation, copied to PostgreSQL, and
 * Parley started on PostgreSQL carrying on where it was.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);
const url = postgresUrl();
/** A weekday morning: the fixture's departments are open. */
const CLOCK = new Date('2026-11-25T10:00:00Z');

async function script(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', name), ...args], { cwd: ROOT, env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

(url ? describe : describe.skip)(`db:migrate and db:copy${url ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  jest.setTimeout(120_000);

  test('db:migrate makes every store on an empty PostgreSQL, and a second run changes nothing', async () => {
    const target = await freshPostgres(url!);
    try {
      const first = await script('db-migrate.ts', ['--json'], { DATABASE_URL: target.url });
      expect(first.code).toBe(0);
      const stores = (JSON.parse(first.stdout) as { database: string; stores: Record<string, number> }).stores;
      expect(Object.keys(stores).sort()).toEqual(['agents', 'directline', 'events', 'escalations', 'knowledge-gaps', 'knowledge-versions', 'left-messages', 'live-messages', 'presence', 'sessions', 'bin-days', 'bot-state', 'transcripts'].sort());
      const again = await script('db-migrate.ts', ['--json'], { DATABASE_URL: target.url });
      expect(JSON.parse(again.stdout).stores).toEqual(stores);
    } finally {
      await target.close();
    }
  });

  test('a SQLite deployment copied to PostgreSQL carries on there: the officer signs in, the resident is still in the queue, their conversation continues', async () => {
    const channel = await startStandInChannel();
    const sqlite = testConfig();
    const target = await freshPostgres(url!);
    try {
      await withSql(sqlite, (sql) => new SqlAgentStore(sql).add({ name: 'Ann', departments: ['customer-services'], password: 'ann-password-1' }, CLOCK));
      const before = await startApp(sqlite, { now: () => CLOCK });
      const say = async (base: string, text: string) => messageTexts(await repliesTo(base, residentMessage(text, { conversation: 'moving-house', serviceUrl: channel.serviceUrl })));
      // The officer is signed in and connected on SQLite, so the resident can join the queue.
      const annBefore = await login(before.url, 'Ann', 'ann-password-1');
      const stream = await fetch(`${before.url}/api/console/events`, { headers: { cookie: annBefore.cookie } });
      expect(stream.status).toBe(200);
      await say(before.url, 'talk to a person');
      expect((await say(before.url, 'Yes, connect me')).join(' ')).toMatch(/number 1 in the queue/);
      await stream.body?.cancel();
      await before.app.close();

      const copied = await script('db-copy.ts', ['--to', target.url, '--from', sqlite.databaseFile, '--json']);
      expect(copied.stderr).toBe('');
      expect(copied.code).toBe(0);
      const report = JSON.parse(copied.stdout) as { verified: boolean; tables: { table: string; rows: number; verified: boolean }[] };
      expect(report.verified).toBe(true);
      const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
      expect(rows).toMatchObject({ agents: 1, escalations: 1 });
      expect(rows.transcript_activities).toBeGreaterThanOrEqual(4);

      const after = await startApp(testConfig({ DATABASE_URL: target.url }), { now: () => CLOCK });
      try {
        const ann = await login(after.url, 'Ann', 'ann-password-1');
        const queue = await call(after.url, ann, 'GET', '/api/console/queue');
        expect(queue.body!.waiting).toHaveLength(1);
        const id = (queue.body!.waiting as { id: number }[])[0]!.id;
        const detail = JSON.stringify((await call(after.url, ann, 'GET', `/api/console/escalations/${id}`)).body);
        expect(detail).toContain('talk to a person');
        // The bot state came across too: the resident is still waiting, and can leave the queue.
        expect((await say(after.url, 'cancel')).join(' ')).toMatch(/You’ve left the queue/);
        // A new escalation gets the next id, not one of the copied.
        expect((await say(after.url, 'talk to a person')).length).toBeGreaterThan(0);
      } finally {
        await after.app.close();
      }

      const twice = await script('db-copy.ts', ['--to', target.url, '--from', sqlite.databaseFile]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/already has \d+ rows: db:copy only copies into an empty database/);
    } finally {
      await channel.close();
      await target.close();
    }
  });

  test('a bad command line: exit 2 with the usage', async () => {
    const bad = await script('db-copy.ts', ['--to', 'mysql://nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--to needs a postgres:\/\/ URL[\s\S]*Usage: npm run db:copy/);
  });
});
