import restify from 'restify';
import { openDatabase, SqliteBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import type { App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { mountConsoleApi, type ConsoleApi } from '../../handoff/consoleApi';
import { InProcessDeskEvents, type DeskEvents } from '../../handoff/events';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { DutyRoster, SqlPresenceStore } from '../../handoff/presence';
import { SqlEscalationQueue } from '../../handoff/queue';
import { SqlSessionStore } from '../../handoff/sessions';
import { silentLog, startApp, testConfig, withSql } from '../app';
import { repliesTo, residentMessage } from '../bot/residentClient';
import { listenLocally, type LocalServer } from '../localServer';
import { call, login } from './consoleClient';
import { openSse, type SseClient } from './sseClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

describe('GET /api/console/events through the whole app', () => {
  // A Wednesday morning: Customer Services is open in the fixture knowledge base.
  const clock = new Date('2026-11-25T10:00:00Z');
  let app: App;
  let url: string;
  let channel: StandInChannel;
  const streams: SseClient[] = [];

  beforeAll(async () => {
    channel = await startStandInChannel();
    const config = testConfig();
    await withSql(config, async (sql) => {
      const agents = new SqlAgentStore(sql);
      await agents.add({ name: 'Cas', departments: ['customer-services'], password: 'cas-password-1' }, clock);
      await agents.add({ name: 'Hal', departments: ['housing'], password: 'hal-password-1' }, clock);
    });
    ({ app, url } = await startApp(config, { now: () => clock }));
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await app.close();
    await channel.close();
  });

  async function stream(cookie?: string) {
    const s = await openSse(`${url}/api/console/events`, cookie);
    streams.push(s);
    return s;
  }

  const resident = (text: string, conversation: string) => repliesTo(url, residentMessage(text, { conversation, serviceUrl: channel.serviceUrl }));

  it('refuses a stream without a session (401, JSON)', async () => {
    const s = await stream();
    expect(s.status).toBe(401);
    expect(s.contentType).toMatch(/^application\/json/);
  });

  it('streams the agent’s departments only: queued and picked-up reach Cas, and Hal hears only the transfer to housing', async () => {
    const cas = await login(url, 'Cas', 'cas-password-1');
    const hal = await login(url, 'Hal', 'hal-password-1');
    const casStream = await stream(cas.cookie);
    const halStream = await stream(hal.cookie);
    expect(casStream.status).toBe(200);
    expect(casStream.contentType).toBe('text/event-stream; charset=utf-8');
    expect(casStream.retry).toBe(3000);
    expect((await casStream.next((e) => e.event === 'hello')).data).toEqual({ agentId: 1, waiting: 0, active: 0 });
    await halStream.next((e) => e.event === 'hello');

    await resident('talk to a person', 'sse-1');
    await resident('Yes, connect me', 'sse-1');
    const queued = await casStream.next((e) => e.event === 'queued');
    expect(queued.data).toEqual({ type: 'queued', escalationId: expect.any(Number), department: 'customer-services', priority: 'normal' });
    const id = (queued.data as { escalationId: number }).escalationId;

    expect((await call(url, cas, 'POST', `/api/console/escalations/${id}/pickup`)).status).toBe(200);
    expect((await casStream.next((e) => e.event === 'picked-up')).data).toEqual({ type: 'picked-up', escalationId: id, department: 'customer-services', agentId: '1' });

    expect((await call(url, cas, 'POST', `/api/console/escalations/${id}/transfer`, { department: 'housing' })).status).toBe(200);
    const moved = { type: 'transferred', escalationId: id, from: 'customer-services', department: 'housing' };
    expect((await halStream.next((e) => e.event === 'transferred')).data).toEqual(moved);
    // The one hub delivers in order: by the transfer, Hal would have had the earlier events if sent.
    expect(halStream.events.map((e) => e.event)).toEqual(['hello', 'transferred']);
    expect((await casStream.next((e) => e.event === 'transferred')).data).toEqual(moved);
    // Events name ids and departments, never what the resident said.
    expect(JSON.stringify(casStream.events)).not.toMatch(/talk to a person|connect me/);
  });
});

describe('the event stream’s heartbeat and session', () => {
  const clock = { now: new Date('2026-11-25T10:00:00Z') };
  let backend: SqliteBackend;
  let api: ConsoleApi;
  let server: LocalServer;
  let url: string;
  let sessions: SqlSessionStore;
  let presence: SqlPresenceStore;
  let events: DeskEvents;
  // Open subscriptions to the hub: a closed stream must leave none behind.
  let listening = 0;

  beforeAll(async () => {
    backend = new SqliteBackend(openDatabase(':memory:'));
    const sql = backend.sql;
    await migrateAll(sql);
    const agents = new SqlAgentStore(sql);
    await agents.add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock.now);
    sessions = new SqlSessionStore(sql, { idleMinutes: 30, maxHours: 12 });
    presence = new SqlPresenceStore(sql, { instanceId: 'stream-test', heartbeatMs: 5_000, soleInstance: true });
    await presence.restart(clock.now);
    const hub = new InProcessDeskEvents();
    events = {
      publish: (e) => hub.publish(e),
      subscribe: (listener) => {
        listening++;
        const stop = hub.subscribe(listener);
        return () => {
          listening--;
          stop();
        };
      },
      subscribeLocal: (listener) => hub.subscribeLocal(listener),
    };
    const restifyServer = restify.createServer();
    restifyServer.use(restify.plugins.bodyParser());
    api = mountConsoleApi(restifyServer, {
      agents,
      sessions,
      queue: new SqlEscalationQueue(sql),
      messages: new SqlLiveMessageStore(sql),
      sendToResident: () => Promise.reject(new Error('no resident in this test')),
      waitMinutes: async () => 0,
      transcript: async () => [],
      departments: new Set(['waste']),
      departmentName: (id) => id,
      now: () => clock.now,
      log: silentLog,
      secureCookie: false,
      events,
      presence,
      roster: new DutyRoster({ presence, sessions, agents, departments: () => ['waste'], graceSeconds: 120 }),
      searchAnswers: () => [],
      realertMinutes: 3,
      // Short enough for the test to see several, without waiting on any particular timing.
      stream: { heartbeatMs: 20 },
    });
    server = await listenLocally(restifyServer);
    url = server.origin;
  });
  afterAll(async () => {
    api.close();
    await server.close();
    await backend.close();
  });

  it('sends heartbeats that keep the session alive, marks the agent connected, and lets go on close', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const token = decodeURIComponent(ann.cookie.split('=')[1]!);
    const s = await openSse(`${url}/api/console/events`, ann.cookie);
    await s.next((e) => e.event === 'hello');
    expect((await presence.get(1, clock.now)).disconnectedSince).toBeUndefined();
    expect(listening).toBe(1);

    // 20 idle minutes later the stream is still open: the next heartbeat renews the session.
    clock.now = new Date(clock.now.getTime() + 20 * 60_000);
    const before = s.comments.length;
    while (s.comments.length < before + 2) await new Promise((r) => setTimeout(r, 10));
    expect(s.comments.slice(before)).toEqual(['heartbeat', 'heartbeat']);
    expect((await sessions.touch(token, clock.now))!.expiresAt).toBe(new Date(clock.now.getTime() + 30 * 60_000).toISOString());

    // Closing the stream unsubscribes it and records when the agent went.
    s.close();
    while ((await presence.get(1, clock.now)).disconnectedSince === undefined) await new Promise((r) => setTimeout(r, 10));
    expect((await presence.get(1, clock.now)).disconnectedSince).toBe(clock.now.toISOString());
    expect(listening).toBe(0);
  });

  it('tells the page it is signed out and ends the stream when the session has ended', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const s = await openSse(`${url}/api/console/events`, ann.cookie);
    await s.next((e) => e.event === 'hello');
    await sessions.end(decodeURIComponent(ann.cookie.split('=')[1]!));
    await s.next((e) => e.event === 'signed-out');
    await s.ended;
  });
});
