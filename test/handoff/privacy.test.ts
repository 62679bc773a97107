import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { App } from '../../bot/index';
import { openDatabase, SqliteBackend, type Db } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqliteChannelStore } from '../../bot/directline/store';
import { SqliteStorage } from '../../bot/stateStorage';
import { SqliteAgentStore } from '../../handoff/agents';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { handoffPrivacy, privacyFor } from '../../handoff/privacy';
import { SqlEscalationQueue } from '../../handoff/queue';
import { SqliteTranscriptStore } from '../../handoff/transcriptStore';
import { startApp, testConfig, withDatabase, withSql } from '../app';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDbFile } from '../tempDb';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

const root = path.resolve(__dirname, '..', '..');

/** Every row of every table, as text: what an erased conversation must not appear in. */
function everything(db: Db): Map<string, string> {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
  return new Map(tables.map(({ name }) => [name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all())]));
}

function script(name: 'purge' | 'erase', args: string[], dataDir: string) {
  const run = spawnSync('node', ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB },
  });
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
    withDatabase(config, (db) => new SqliteAgentStore(db).add({ name: 'Cat', departments: ['customer-services'], password: 'cat-password-1' }, wednesday));
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
    // An officer's live message on the resident's escalation.
    const [escalation] = withDatabase(config, (db) => handoffPrivacy(db).queue.idsFor('erase-me'));
    await withSql(config, (sql) => new SqlLiveMessageStore(sql).add({ escalationId: escalation!, author: 'agent', agentId: '1', text: 'livemarker reply' }, wednesday));
    withDatabase(config, (db) => {
      const all = everything(db);
      for (const table of ['transcript_activities', 'escalations', 'bot_state']) expect(all.get(table)).toContain('erase-me');
      expect(all.get('live_messages')).toContain('livemarker');
      expect(all.get('left_messages')).toContain('erase.me@example.org');
      expect(all.get('directline_activities')).toContain('webmarker');
      expect(all.get('knowledge_gaps')).toContain('erasemarker');
    });
  });

  it('removes the conversation, its text and its contact details from every table, and nothing of anyone else', () => {
    const first = script('erase', ['--conversation', 'erase-me', '--json'], config.dataDir);
    expect(first.status).toBe(0);
    const counts = JSON.parse(first.stdout) as Record<string, number>;
    expect(counts).toMatchObject({ escalations: 1, leftMessages: 1, liveMessages: 1, gaps: 1 });
    expect(counts.transcriptActivities).toBeGreaterThanOrEqual(12);
    expect(counts.botStates).toBeGreaterThanOrEqual(1);
    expect(script('erase', ['--conversation', webChatId], config.dataDir)).toMatchObject({ status: 0, stdout: expect.stringContaining(`Erased conversation ${webChatId}`) });

    withDatabase(config, (db) => {
      for (const [table, rows] of everything(db)) {
        for (const trace of ['erase-me', 'erasemarker', 'erase.me@example.org', 'livemarker', webChatId, 'webmarker', 'web-resident']) {
          expect([table, rows.includes(trace)]).toEqual([table, false]);
        }
      }
      const all = everything(db);
      expect(all.get('transcript_activities')).toContain('keep-me');
      expect(all.get('knowledge_gaps')).toContain('keepmarker');
    });
  });

  it('says when there was nothing to erase, and refuses a missing id', () => {
    expect(script('erase', ['--conversation', 'never-was'], config.dataDir)).toMatchObject({ status: 0, stdout: 'Nothing stored for conversation never-was.\n' });
    expect(script('erase', [], config.dataDir)).toMatchObject({ status: 2, stderr: expect.stringContaining('--conversation needs the conversation id') });
  });
});

describe('retention: purge', () => {
  const now = new Date('2026-11-25T10:00:00Z');
  const old = new Date('2026-10-01T10:00:00Z');
  const recent = new Date('2026-11-24T10:00:00Z');

  async function seeded() {
    const file = tempDbFile();
    // The queue's stores are on the Sql layer; the rest still on better-sqlite3, same connection.
    const backend = new SqliteBackend(openDatabase(file));
    await migrateAll(backend.sql);
    const db = backend.db;
    const transcripts = new SqliteTranscriptStore(db);
    const queue = new SqlEscalationQueue(backend.sql);
    const live = new SqlLiveMessageStore(backend.sql);
    const left = new SqlLeftMessageStore(backend.sql);
    const state = new SqliteStorage(db, () => old);
    const channel = new SqliteChannelStore(db);
    const activity = (conversation: string, at: Date, text: string) =>
      transcripts.logActivity({ type: 'message', text, timestamp: at, channelId: 'test', conversation: { id: conversation }, from: { id: 'r', role: 'user' }, recipient: { id: 'bot' } } as never);
    return { file, db, transcripts, queue, live, left, state, channel, activity };
  }

  it('npm run purge removes what is older than the period; an open chat keeps its thread', async () => {
    const s = await seeded();
    await s.activity('old-chat', old, 'oldmarker');
    await s.activity('new-chat', recent, 'newmarker');
    const closed = (await s.queue.enqueue({ conversationId: 'old-chat', reference: { channelId: 'test', user: { id: 'r' } }, department: 'waste', priority: 'normal', reason: 'asked', summary: 'oldsummary' }, old)).escalation;
    await s.live.add({ escalationId: closed.id, author: 'resident', text: 'oldlive' }, old);
    await s.queue.close(closed.id, 'closed-by-agent', old);
    const open = (await s.queue.enqueue({ conversationId: 'new-chat', reference: { channelId: 'test' }, department: 'waste', priority: 'normal', reason: 'asked' }, old)).escalation;
    await s.live.add({ escalationId: open.id, author: 'resident', text: 'openlive' }, old);
    const message = await s.queue.leaveMessage({ conversationId: 'msg-chat', reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, old);
    await s.left.add({ escalationId: message.id, question: 'q', contact: { kind: 'email', value: 'old@example.org' }, replyBy: old, deliveries: [{ channel: 'email', payload: { to: 'old@example.org' } }] }, old);
    await s.left.answer(message.id, '1', 'done', old);
    const [delivery] = (await s.left.deliveries([message.id])).get(message.id)!;
    await s.left.markDelivered(delivery!.id, old);
    await s.state.write({ 'test/conversations/old-chat/': { step: 1 } });
    s.channel.createConversation({ id: 'dl-old', userId: 'u' }, old);
    s.channel.append('dl-old', { type: 'message', text: 'oldweb' }, old);
    s.db.close();

    const run = script('purge', ['--older-than', '30', '--json'], path.dirname(s.file));
    expect(run.status).toBe(0);
    // The script runs on the real clock, so only what is old on any day it runs is checked here;
    // keeping what is within the period is checked at a fixed date below.
    const db = openDatabase(s.file);
    try {
      const all = everything(db);
      expect(all.get('transcript_activities')).not.toContain('oldmarker');
      expect(all.get('live_messages')).not.toContain('oldlive');
      // An open chat keeps its thread, however old.
      expect(all.get('live_messages')).toContain('openlive');
      expect(all.get('escalations')).not.toContain('oldsummary');
      expect(all.get('left_messages')).not.toContain('old@example.org');
      expect(all.get('message_deliveries')).toBe('[]');
      expect(all.get('bot_state')).toBe('[]');
      expect(all.get('directline_activities')).not.toContain('oldweb');
    } finally {
      db.close();
    }
  });

  it('keeps data within the period (the same store, purged at a chosen date)', async () => {
    const s = await seeded();
    await s.activity('old-chat', old, 'oldmarker');
    await s.activity('new-chat', recent, 'newmarker');
    const counts = privacyFor(s.db, { timeZone: 'Europe/London' }).purge(now, 30);
    expect(counts.transcriptActivities).toBe(1);
    const rows = everything(s.db).get('transcript_activities');
    expect(rows).toContain('newmarker');
    expect(rows).not.toContain('oldmarker');
    s.db.close();
  });

  it('the app purges at start (then daily) when PARLEY_RETENTION_DAYS is set', async () => {
    const config = testConfig({ PARLEY_RETENTION_DAYS: '30' });
    const db = openDatabase(config.databaseFile);
    const transcripts = new SqliteTranscriptStore(db);
    for (const [id, at] of [['old-chat', old], ['new-chat', recent]] as const) {
      await transcripts.logActivity({ type: 'message', text: id, timestamp: at, channelId: 'test', conversation: { id }, from: { id: 'r', role: 'user' }, recipient: { id: 'bot' } } as never);
    }
    db.close();
    const { app } = await startApp(config, { now: () => now });
    await app.close();
    const rows = withDatabase(config, (db) => everything(db).get('transcript_activities'));
    expect(rows).toContain('new-chat');
    expect(rows).not.toContain('old-chat');
  });

  it('refuses a bad period', () => {
    expect(script('purge', ['--older-than', '0'], tempDbFile())).toMatchObject({ status: 2, stderr: expect.stringContaining('--older-than needs a whole number of days') });
  });
});
