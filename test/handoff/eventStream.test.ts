import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import { loadConfig } from '../../bot/config';
import { openDatabase, type Db } from '../../bot/db';
import { createApp, type App } from '../../bot/index';
import { SqliteAgentStore } from '../../handoff/agents';
import { mountConsoleApi, type ConsoleApi } from '../../handoff/consoleApi';
import { InProcessDeskEvents, type DeskEvents } from '../../handoff/events';
import { SqliteLiveMessageStore } from '../../handoff/liveMessages';
import { DutyRoster, SqlitePresenceStore } from '../../handoff/presence';
import { SqliteEscalationQueue } from '../../handoff/queue';
import { SqliteSessionStore } from '../../handoff/sessions';
import { FIXTURE_KB } from '../bot/harness';
import { openSse, type SseClient } from './sseClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

const silent = { info: () => undefined, error: () => undefined };

async function login(url: string, name: string, password: string) {
  const res = await fetch(`${url}/api/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
}

describe('GET /api/console/events through the whole app', () => {
  // A Wednesday morning: Customer Services is open in the fixture knowledge base.
  const clock = new Date('2026-11-25T10:00:00Z');
  let app: App;
  let url: string;
  let channel: StandInChannel;
  const streams: SseClient[] = [];

  beforeAll(async () => {
    channel = await startStandInChannel();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-events-'));
    const config = loadConfig({ PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB });
    const db = openDatabase(config.databaseFile);
    const agents = new SqliteAgentStore(db);
    agents.add({ name: 'Cas', departments: ['customer-services'], password: 'cas-password-1' }, clock);
    agents.add({ name: 'Hal', departments: ['housing'], password: 'hal-password-1' }, clock);
    db.close();
    app = createApp(config, { now: () => clock, log: silent });
    url = await app.listen();
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

  let n = 0;
  async function resident(text: string, conversation: string) {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `r${++n}`,
        text,
        channelId: 'test',
        serviceUrl: channel.serviceUrl,
        from: { id: `resident-${conversation}`, role: 'user' },
        recipient: { id: 'parley', role: 'bot' },
        conversation: { id: conversation },
        deliveryMode: 'expectReplies',
      }),
    });
    expect(res.status).toBe(200);
  }

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

    const pickup = await fetch(`${url}/api/console/escalations/${id}/pickup`, { method: 'POST', headers: { cookie: cas.cookie, 'x-csrf-token': cas.csrf } });
    expect(pickup.status).toBe(200);
    expect((await casStream.next((e) => e.event === 'picked-up')).data).toEqual({ type: 'picked-up', escalationId: id, department: 'customer-services', agentId: '1' });

    const transfer = await fetch(`${url}/api/console/escalations/${id}/transfer`, {
      method: 'POST',
      headers: { cookie: cas.cookie, 'x-csrf-token': cas.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ department: 'housing' }),
    });
    expect(transfer.status).toBe(200);
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
  let db: Db;
  let server: restify.Server;
  let api: ConsoleApi;
  let url: string;
  let sessions: SqliteSessionStore;
  let presence: SqlitePresenceStore;
  let events: DeskEvents;
  // Open subscriptions to the hub: a closed stream must leave none behind.
  let listening = 0;

  beforeAll(async () => {
    db = openDatabase(':memory:');
    const agents = new SqliteAgentStore(db);
    agents.add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock.now);
    sessions = new SqliteSessionStore(db, { idleMinutes: 30, maxHours: 12 });
    presence = new SqlitePresenceStore(db, clock.now);
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
    };
    server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    api = mountConsoleApi(server, {
      agents,
      sessions,
      queue: new SqliteEscalationQueue(db),
      messages: new SqliteLiveMessageStore(db),
      sendToResident: () => Promise.reject(new Error('no resident in this test')),
      waitMinutes: () => 0,
      transcript: async () => [],
      departments: new Set(['waste']),
      departmentName: (id) => id,
      now: () => clock.now,
      log: silent,
      secureCookie: false,
      events,
      presence,
      roster: new DutyRoster({ presence, sessions, agents, departments: () => ['waste'], graceSeconds: 120 }),
      searchAnswers: () => [],
      realertMinutes: 3,
      // Short enough for the test to see several, without waiting on any particular timing.
      stream: { heartbeatMs: 20 },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    api.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
  });

  it('sends heartbeats that keep the session alive, marks the agent connected, and lets go on close', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const token = decodeURIComponent(ann.cookie.split('=')[1]!);
    const s = await openSse(`${url}/api/console/events`, ann.cookie);
    await s.next((e) => e.event === 'hello');
    expect(presence.get(1).disconnectedSince).toBeUndefined();
    expect(listening).toBe(1);

    // 20 idle minutes later the stream is still open: the next heartbeat renews the session.
    clock.now = new Date(clock.now.getTime() + 20 * 60_000);
    const before = s.comments.length;
    while (s.comments.length < before + 2) await new Promise((r) => setTimeout(r, 10));
    expect(s.comments.slice(before)).toEqual(['heartbeat', 'heartbeat']);
    expect(sessions.touch(token, clock.now)!.expiresAt).toBe(new Date(clock.now.getTime() + 30 * 60_000).toISOString());

    // Closing the stream unsubscribes it and records when the agent went.
    s.close();
    while (presence.get(1).disconnectedSince === undefined) await new Promise((r) => setTimeout(r, 10));
    expect(presence.get(1).disconnectedSince).toBe(clock.now.toISOString());
    expect(listening).toBe(0);
  });

  it('tells the page it is signed out and ends the stream when the session has ended', async () => {
    const ann = await login(url, 'Ann', 'ann-password-1');
    const s = await openSse(`${url}/api/console/events`, ann.cookie);
    await s.next((e) => e.event === 'hello');
    sessions.end(decodeURIComponent(ann.cookie.split('=')[1]!));
    await s.next((e) => e.event === 'signed-out');
    await s.ended;
  });
});
