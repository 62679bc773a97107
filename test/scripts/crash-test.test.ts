import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { openDatabase, SqliteBackend, type Db } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { SqlSessionStore } from '../../handoff/sessions';
import { SqlTranscriptStore } from '../../handoff/transcriptStore';
import { Ledger } from '../../scripts/crash/ledger';
import { runCrashTest } from '../../scripts/crash-test';
import { tempDbFile } from '../tempDb';

const root = path.resolve(__dirname, '..', '..');
const at = new Date('2026-11-25T10:00:00Z');

describe('npm run crash:test', () => {
  it('kills the server 3 times mid-conversation and loses or duplicates nothing it acknowledged', async () => {
    const result = await runCrashTest({ kills: 3, seed: 7 });
    expect(result.kills).toBe(3);
    // Every kind of write was made and acknowledged, so each kind was really checked.
    for (const kind of ['escalations', 'queuePositions', 'escalationChanges', 'transcripts', 'liveMessages', 'leftMessages'] as const) {
      expect(result.acknowledged[kind]).toBeGreaterThan(0);
    }
    expect(result.acknowledged.agentSessions).toBe(1);
    expect(result.problems).toEqual([]);
    expect(Object.values(result.lost).every((n) => n === 0)).toBe(true);
    expect(Object.values(result.duplicated).every((n) => n === 0)).toBe(true);
    expect(result.shutdownExit).toBe(0);
  }, 180_000);

  it('refuses a bad command line with exit 2', () => {
    const run = spawnSync('node', ['--import', 'tsx', 'scripts/crash-test.ts', '--kills', 'many'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--kills: /);
  });
});

describe('the crash ledger check', () => {
  /** A database with one of each acknowledged write, made through the stores, and a ledger of them. */
  async function seeded(): Promise<{ backend: SqliteBackend; db: Db; ledger: Ledger; first: number; second: number; token: string }> {
    // Every store on the Sql layer, over one connection; the ledger check reads the same file through `db`.
    const backend = new SqliteBackend(openDatabase(tempDbFile()));
    const sql = backend.sql;
    await migrateAll(sql);
    const db = backend.db;
    const agents = new SqlAgentStore(sql);
    await agents.add({ name: 'Ann Smith', departments: ['waste'], password: 'ann-password-1' }, at);
    const queue = new SqlEscalationQueue(sql);
    const live = new SqlLiveMessageStore(sql);
    const left = new SqlLeftMessageStore(sql);
    const transcripts = new SqlTranscriptStore(sql, { now: () => at });
    const { token } = await new SqlSessionStore(sql, { idleMinutes: 60, maxHours: 8 }).create((await agents.get('Ann Smith'))!.id, at);
    const escalation = async (conversationId: string, minutes: number) => {
      const r = await queue.enqueue({ conversationId, reference: {}, department: 'waste', priority: 'normal', reason: 'asked' }, new Date(at.getTime() + minutes * 60_000));
      return r.escalation.id;
    };
    const first = await escalation('c1', 0);
    const second = await escalation('c2', 1);
    const messageId = (await queue.leaveMessage({ conversationId: 'c3', reference: {}, department: 'waste', priority: 'normal', reason: 'nobody-on-duty' }, at)).id;
    await left.add({ escalationId: messageId, question: 'bin zqax missed', contact: { kind: 'email', value: 'a@example.org' }, deliveries: [] }, at);
    await live.add({ escalationId: first, author: 'agent', agentId: '1', text: 'hello zqbx' }, at);
    await transcripts.logActivity({ type: 'message', id: 'a1', text: 'hi', channelId: 'test', conversation: { id: 'c1' }, from: { id: 'r', role: 'user' }, recipient: { id: 'bot' } } as Activity);

    const ledger = new Ledger();
    ledger.record({ kind: 'agentSessions', token });
    ledger.record({ kind: 'escalations', conversationId: 'c1', escalationId: first });
    ledger.record({ kind: 'queuePositions', conversationId: 'c1', escalationId: first });
    ledger.record({ kind: 'escalations', conversationId: 'c2', escalationId: second });
    ledger.record({ kind: 'queuePositions', conversationId: 'c2', escalationId: second });
    ledger.record({ kind: 'leftMessages', escalationId: messageId, token: 'zqax' });
    ledger.record({ kind: 'liveMessages', escalationId: first, author: 'agent', token: 'zqbx' });
    ledger.record({ kind: 'transcripts', conversationId: 'c1', activityId: 'a1' });
    return { backend, db, ledger, first, second, token };
  }

  it('finds nothing wrong when every acknowledged write is there once', async () => {
    const { db, ledger } = await seeded();
    const figures = ledger.check(db);
    expect(figures.problems).toEqual([]);
    expect(figures.acknowledged).toMatchObject({ escalations: 2, queuePositions: 2, leftMessages: 1, liveMessages: 1, transcripts: 1, agentSessions: 1 });
    db.close();
  });

  it('counts a write that disappeared as lost, and a second copy as duplicated', async () => {
    const { backend, db, ledger, first } = await seeded();
    db.prepare('DELETE FROM transcript_activities').run();
    db.prepare('DELETE FROM sessions').run();
    await new SqlLiveMessageStore(backend.sql).add({ escalationId: first, author: 'agent', agentId: '1', text: 'hello zqbx' }, at);
    const figures = ledger.check(db);
    expect(figures.lost).toMatchObject({ transcripts: 1, agentSessions: 1, liveMessages: 0 });
    expect(figures.duplicated).toMatchObject({ liveMessages: 1 });
    // Found at a later check too, it is still one lost write.
    expect(ledger.check(db).lost.transcripts).toBe(1);
    db.close();
  });

  it('counts residents served out of the order they were told as lost places, and a pick-up undone as a lost change', async () => {
    const { backend, db, ledger, first, second } = await seeded();
    await new SqlEscalationQueue(backend.sql).pickup(second, '1', at);
    ledger.record({ kind: 'escalationChanges', escalationId: second, stage: 'active' });
    expect(ledger.check(db).problems).toEqual([]);
    db.prepare("UPDATE escalations SET status = 'waiting', agent_id = NULL, picked_up_at = NULL WHERE id = ?").run(second);
    db.prepare('UPDATE escalations SET queued_at = ? WHERE id = ?').run('2030-01-01T00:00:00.000Z', first);
    const figures = ledger.check(db);
    expect(figures.lost).toMatchObject({ escalationChanges: 1, queuePositions: 1 });
    db.close();
  });
});
