import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { App } from '../../bot/index';
import { PostgresBackend, SqliteBackend, type Backend } from '../../bot/db';
import { SqlAgentStore } from '../../handoff/agents';
import { eraseConversation, purgePersonalData } from '../../handoff/privacy';
import { startApp, testConfig, withSql } from '../app';
import { forEachBackend } from '../db/backends';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDbFile } from '../tempDb';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { askerOf, everything, privacyTables, seedConversation } from './privacyTables';
import { startStandInChannel, type StandInChannel } from './standInChannel';

const root = path.resolve(__dirname, '..', '..');

/** Runs a script on the SQLite file in `dataDir`, or on PostgreSQL when `databaseUrl` is given. */
function script(name: 'purge' | 'erase', args: string[], dataDir: string, databaseUrl?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  const run = spawnSync('node', ['--import', 'tsx', `scripts/${name}.ts`, ...args], { cwd: root, encoding: 'utf8', env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run erase, after a real conversation over HTTP', () => {
  const wednesday = new Date('2026-11-25T10:00:00Z');
  let app: App;
  let url: string;
  let channel: StandInChannel;
  let config: ReturnType<typeof testConfig>;
  let webChatId: string;

  beforeAll(async () => {
    channel = await startStandInChannel();
    config = testConfig();
    await withSql(config, (sql) => new SqlAgentStore(sql).add({ name: 'Cat', departments: ['customer-services'], password: 'cat-password-1' }, wednesday));
    ({ app, url } = await startApp(config, { now: () => wednesday }));

    const say = async (conversation: string, text: string) =>
      messageTexts(await repliesTo(url, residentMessage(text, { conversation, serviceUrl: channel.serviceUrl, from: `resident-${conversation}` })));
    // The resident to erase asks something the bot cannot answer (a knowledge gap), asks for a
    // person, finds nobody there and leaves a message with an email address.
    await say('erase-me', 'zorblax quuxification erasemarker');
    await say('erase-me', 'talk to a person');
    await say('erase-me', 'Yes, connect me');
    await say('erase-me', 'Leave a message');
    await say('erase-me', 'My bin was missed erasemarker, thanks');
    expect((await say('erase-me', 'erase.me@example.org'))[0]).toMatch(/^Thank you\. Your message has gone/);
    // Someone else, who must be left alone.
    await say('keep-me', 'zorblax quuxification keepmarker');

    // The same resident on the web chat channel, through Parley's own Direct Line.
    const { token } = (await (await fetch(`${url}/api/directline/token`, { method: 'POST' })).json()) as { token: string };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = (await (await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: auth })).json()) as { conversationId: string };
    webChatId = started.conversationId;
    const post = await fetch(`${url}/v3/directline/conversations/${webChatId}/activities`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ type: 'message', from: { id: 'web-resident' }, text: 'webmarker where do I pay council tax' }),
    });
    expect(post.status).toBe(200);
    // Waits for the bot's reply to reach the channel (the count of activities is what is checked).
    let activities: unknown[] = [];
    for (let i = 0; i < 100 && activities.length < 2; i++) {
      activities = ((await (await fetch(`${url}/v3/directline/conversations/${webChatId}/activities`, { headers: auth })).json()) as { activities: unknown[] }).activities;
      if (activities.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(activities.length).toBeGreaterThanOrEqual(2);
  });
  afterAll(async () => {
    await app.close();
    await channel.close();
  });

  it('finds the conversation in every store first, so the erasure below is not vacuous', async () => {
    const all = await withSql(config, async (sql) => {
      // An officer's live message on the resident's escalation.
      const escalation = await sql.get<{ id: number }>('SELECT id FROM escalations WHERE conversation_id = ?', ['erase-me']);
      await sql.run("INSERT INTO live_messages (escalation_id, author, agent_id, text, sent_at) VALUES (?, 'agent', '1', 'livemarker reply', ?)", [
        escalation!.id,
        wednesday.toISOString(),
      ]);
      return everything(sql);
    });
    for (const table of ['transcript_activities', 'escalations', 'bot_state']) expect(all.get(table)).toContain('erase-me');
    expect(all.get('live_messages')).toContain('livemarker');
    expect(all.get('left_messages')).toContain('erase.me@example.org');
    expect(all.get('directline_activities')).toContain('webmarker');
    expect(all.get('knowledge_gaps')).toContain('erasemarker');
  });

  it('removes the conversation, its text and its contact details from every table, and nothing of anyone else', async () => {
    const first = script('erase', ['--conversation', 'erase-me', '--json'], config.dataDir);
    expect(first.status).toBe(0);
    const counts = JSON.parse(first.stdout) as Record<string, number>;
    expect(counts).toMatchObject({ escalations: 1, leftMessages: 1, liveMessages: 1, gaps: 1 });
    expect(counts.transcriptActivities).toBeGreaterThanOrEqual(12);
    expect(counts.botStates).toBeGreaterThanOrEqual(1);
    expect(script('erase', ['--conversation', webChatId], config.dataDir)).toMatchObject({ status: 0, stdout: expect.stringContaining(`Erased conversation ${webChatId}`) });

    const all = await withSql(config, everything);
    for (const [table, rows] of all) {
      for (const trace of ['erase-me', 'erasemarker', 'erase.me@example.org', 'livemarker', webChatId, 'webmarker', 'web-resident']) {
        expect([table, rows.includes(trace)]).toEqual([table, false]);
      }
    }
    expect(all.get('transcript_activities')).toContain('keep-me');
    expect(all.get('knowledge_gaps')).toContain('keepmarker');
  });

  it('says when there was nothing to erase, and refuses a missing id', () => {
    expect(script('erase', ['--conversation', 'never-was'], config.dataDir)).toMatchObject({ status: 0, stdout: 'Nothing stored for conversation never-was.\n' });
    expect(script('erase', [], config.dataDir)).toMatchObject({ status: 2, stderr: expect.stringContaining('--conversation needs the conversation id') });
  });
});

/** How a script reaches the backend's database: its data folder (SQLite) or its URL (PostgreSQL, this test's schema). */
function whereIs(backend: Backend): { dataDir: string; databaseUrl?: string } {
  if (backend instanceof SqliteBackend) return { dataDir: path.dirname(backend.db.name) };
  if (backend instanceof PostgresBackend) return { dataDir: path.dirname(tempDbFile()), databaseUrl: backend.url };
  throw new Error(`No way for a script to reach ${backend.label}`);
}

forEachBackend('privacy: erasure', (fresh) => {
  const at = new Date('2026-11-20T10:00:00Z');
  const traces = (id: string) => [id, `${id}-words`, `${id}@example.org`, `r-${id}`, askerOf(id)];

  it('removes a conversation from every table (found by listing the tables), and nothing of anyone else', async () => {
    const { sql } = await fresh();
    await privacyTables(sql);
    await seedConversation(sql, { n: 1, conversationId: 'erase-me', at, status: 'message', answeredAt: at });
    await seedConversation(sql, { n: 2, conversationId: 'keep-me', at, status: 'closed' });
    const before = await everything(sql);
    const seeded = ['transcript_activities', 'escalations', 'live_messages', 'left_messages', 'message_deliveries', 'bot_state', 'knowledge_gaps', 'directline_conversations', 'directline_activities'];
    for (const table of seeded) expect([table, traces('erase-me').some((t) => before.get(table)?.includes(t))]).toEqual([table, true]);

    expect(await eraseConversation(sql, 'erase-me')).toEqual({
      transcriptActivities: 2,
      escalations: 1,
      liveMessages: 1,
      leftMessages: 1,
      botStates: 2,
      channelActivities: 1,
      gaps: 1,
    });
    const after = await everything(sql);
    for (const [table, rows] of after) {
      for (const trace of traces('erase-me')) expect([table, trace, rows.includes(trace)]).toEqual([table, trace, false]);
    }
    for (const table of seeded) expect([table, after.get(table)?.includes('keep-me')]).toEqual([table, true]);
    expect(await eraseConversation(sql, 'erase-me')).toEqual({ transcriptActivities: 0, escalations: 0, liveMessages: 0, leftMessages: 0, botStates: 0, channelActivities: 0, gaps: 0 });
  });

  it('npm run erase does the same on the database the settings name', async () => {
    const backend = await fresh();
    await privacyTables(backend.sql);
    await seedConversation(backend.sql, { n: 1, conversationId: 'erase-me', at, status: 'active' });
    const where = whereIs(backend);
    const run = script('erase', ['--conversation', 'erase-me', '--json'], where.dataDir, where.databaseUrl);
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ escalations: 1, transcriptActivities: 2, channelActivities: 1 });
    const all = [...(await everything(backend.sql)).values()].join('');
    expect(traces('erase-me').filter((t) => all.includes(t))).toEqual([]);
  });
});

forEachBackend('privacy: retention', (fresh) => {
  const now = new Date('2026-11-25T10:00:00Z');
  const old = new Date('2026-10-01T10:00:00Z');
  const recent = new Date('2026-11-24T10:00:00Z');

  async function seeded(sql: Backend['sql']) {
    await privacyTables(sql);
    await seedConversation(sql, { n: 1, conversationId: 'old-closed', at: old, status: 'closed' });
    await seedConversation(sql, { n: 2, conversationId: 'old-open', at: old, status: 'active' });
    await seedConversation(sql, { n: 3, conversationId: 'old-answered', at: old, status: 'message', answeredAt: old });
    await seedConversation(sql, { n: 4, conversationId: 'recent', at: recent, status: 'closed' });
  }

  it('removes what is older than the period and keeps what is within it; an open chat keeps its thread', async () => {
    const { sql } = await fresh();
    await seeded(sql);
    expect(await purgePersonalData(sql, now, 30)).toEqual({
      transcriptActivities: 6,
      liveMessages: 1,
      escalationsForgotten: 1,
      contactsForgotten: 1,
      botStates: 6,
      channelConversations: 3,
      channelActivities: 0,
    });
    const all = await everything(sql);
    expect(all.get('transcript_activities')).not.toMatch(/old-/);
    expect(all.get('transcript_activities')).toContain('recent-words');
    const live = await sql.all<{ text: string }>('SELECT text FROM live_messages ORDER BY id');
    expect(live.map((m) => m.text)).toEqual(['old-open-words', 'old-answered-words', 'recent-words']);
    const escalations = await sql.all<{ id: number; reference: string; summary: string | null }>('SELECT id, reference, summary FROM escalations ORDER BY id');
    expect(escalations[0]).toEqual({ id: 1, reference: '{}', summary: null });
    expect(escalations[3]!.summary).toBe('recent-words');
    const contacts = await sql.all<{ contact_value: string }>('SELECT contact_value FROM left_messages ORDER BY escalation_id');
    expect(contacts.map((c) => c.contact_value)).toEqual(['old-closed@example.org', 'old-open@example.org', '[removed]', 'recent@example.org']);
    expect(all.get('message_deliveries')).not.toContain('old-answered@example.org');
    expect(all.get('bot_state')).not.toMatch(/old-/);
    expect(all.get('directline_activities')).not.toMatch(/old-/);
    expect(all.get('directline_activities')).toContain('recent-words');
    await expect(purgePersonalData(sql, now, 0)).rejects.toThrow(RangeError);
  });

  it('npm run purge does it on the database the settings name', async () => {
    const backend = await fresh();
    await seeded(backend.sql);
    const where = whereIs(backend);
    const run = script('purge', ['--older-than', '30', '--json'], where.dataDir, where.databaseUrl);
    expect([run.status, run.stderr]).toEqual([0, '']);
    // The script runs on the real clock, so only what is old on any day it runs is checked here.
    expect(JSON.parse(run.stdout)).toMatchObject({ liveMessages: 1, escalationsForgotten: 1, contactsForgotten: 1 });
    const all = await everything(backend.sql);
    expect(all.get('transcript_activities')).not.toMatch(/old-/);
    expect(all.get('live_messages')).toContain('old-open-words');
  });
});

describe('retention: purge', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const old = new Date('2026-10-01T10:00:00Z');
  const recent = new Date('2026-11-24T10:00:00Z');
  it('the app purges at start (then daily) when PARLEY_RETENTION_DAYS is set', async () => {
    const config = testConfig({ PARLEY_RETENTION_DAYS: '30' });
    // A first start makes the tables; then an old and a recent activity, put in by plain SQL.
    await (await startApp(config, { now: () => now })).app.close();
    await withSql(config, async (sql) => {
      for (const [id, at] of [['old-chat', old], ['new-chat', recent]] as const) {
        await sql.run("INSERT INTO transcript_activities (channel_id, conversation_id, timestamp, from_id, from_role, doc) VALUES ('test', ?, ?, 'r', 'user', ?)", [
          id,
          at.toISOString(),
          JSON.stringify({ type: 'message', text: id }),
        ]);
      }
    });
    const { app } = await startApp(config, { now: () => now });
    await app.close();
    const rows = (await withSql(config, everything)).get('transcript_activities');
    expect(rows).toContain('new-chat');
    expect(rows).not.toContain('old-chat');
  });

  it('refuses a bad period', () => {
    expect(script('purge', ['--older-than', '0'], tempDbFile())).toMatchObject({ status: 2, stderr: expect.stringContaining('--older-than needs a whole number of days') });
  });
});
