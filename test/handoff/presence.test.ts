import type { Config } from '../../bot/config';
import { openDatabase, type Db } from '../../bot/db';
import type { App } from '../../bot/index';
import { SqliteAgentStore } from '../../handoff/agents';
import { DutyRoster, SqlitePresenceStore } from '../../handoff/presence';
import { SqliteSessionStore } from '../../handoff/sessions';
import { startApp, testConfig, withDatabase } from '../app';
import { repliesTo, residentMessage } from '../bot/residentClient';
import { call, login, type SignedIn } from './consoleClient';
import { openSse } from './sseClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

const T0 = new Date('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('the duty roster', () => {
  let db: Db;
  let presence: SqlitePresenceStore;
  let sessions: SqliteSessionStore;
  let roster: DutyRoster;
  let ann: number;
  let sue: number;

  beforeEach(() => {
    db = openDatabase(':memory:');
    const agents = new SqliteAgentStore(db);
    const added = (r: ReturnType<SqliteAgentStore['add']>) => (r.kind === 'added' ? r.agent.id : NaN);
    ann = added(agents.add({ name: 'Ann', departments: ['waste', 'housing'], password: 'ann-password-1' }, T0));
    sue = added(agents.add({ name: 'Sue', departments: ['waste'], role: 'supervisor', password: 'sue-password-1' }, T0));
    sessions = new SqliteSessionStore(db, { idleMinutes: 30, maxHours: 12 });
    presence = new SqlitePresenceStore(db, T0);
    roster = new DutyRoster({ presence, sessions, agents, departments: () => ['waste', 'housing', 'council-tax'], graceSeconds: 120 });
  });
  afterEach(() => db.close());

  const onDuty = (department: string, now = T0) => roster.onDuty(department, now).map((a) => a.name);

  it('counts only signed-in agents, for the departments they serve (supervisors: all)', () => {
    expect(onDuty('waste')).toEqual([]);
    sessions.create(ann, T0);
    sessions.create(sue, T0);
    expect(onDuty('waste')).toEqual(['Ann', 'Sue']);
    expect(onDuty('council-tax')).toEqual(['Sue']);
  });

  it('leaves out an agent who is away, or not taking that department', () => {
    sessions.create(ann, T0);
    presence.setStatus(ann, 'away', undefined, T0);
    expect(onDuty('waste')).toEqual([]);
    presence.setStatus(ann, 'available', ['housing'], at(10));
    expect(onDuty('waste')).toEqual([]);
    expect(onDuty('housing')).toEqual(['Ann']);
    // Becoming available again keeps the departments chosen before.
    presence.setStatus(ann, 'away', undefined, at(20));
    presence.setStatus(ann, 'available', undefined, at(30));
    expect(presence.get(ann)).toMatchObject({ status: 'available', departments: ['housing'], statusSince: at(30).toISOString() });
  });

  it('keeps a disconnected agent on duty for the grace time, and no longer', () => {
    sessions.create(ann, T0);
    const close = presence.connect(ann, T0);
    close(at(60));
    expect(onDuty('waste', at(180))).toEqual(['Ann']);
    expect(onDuty('waste', at(181))).toEqual([]);
    // Back within or after the grace time: connected again.
    const again = presence.connect(ann, at(200));
    expect(onDuty('waste', at(200))).toEqual(['Ann']);
    again(at(300));
  });

  it('is connected while any of an agent’s streams is open', () => {
    const first = presence.connect(ann, T0);
    const second = presence.connect(ann, T0);
    first(at(10));
    first(at(20)); // closing twice counts once
    expect(presence.get(ann).disconnectedSince).toBeUndefined();
    second(at(30));
    expect(presence.get(ann).disconnectedSince).toBe(at(30).toISOString());
  });

  it('keeps status and departments across a restart, and counts open streams as dropped from then', () => {
    presence.setStatus(ann, 'available', ['waste'], T0);
    presence.connect(ann, T0);
    const restarted = new SqlitePresenceStore(db, at(50));
    expect(restarted.get(ann)).toEqual({ status: 'available', departments: ['waste'], statusSince: T0.toISOString(), disconnectedSince: at(50).toISOString() });
  });

  it('says when an agent holding chats has gone: signed out at once, away or disconnected after the grace time', () => {
    expect(roster.absence(ann, T0)).toBe('signed-out');
    const { token } = sessions.create(ann, T0);
    expect(roster.absence(ann, T0)).toBeUndefined();
    presence.setStatus(ann, 'away', undefined, T0);
    expect(roster.absence(ann, at(120))).toBeUndefined();
    expect(roster.absence(ann, at(121))).toBe('away');
    presence.setStatus(ann, 'available', undefined, at(121));
    presence.connect(ann, at(121))(at(130));
    expect(roster.absence(ann, at(250))).toBeUndefined();
    expect(roster.absence(ann, at(251))).toBe('disconnected');
    // Signing in again is a sign of life.
    presence.signedIn(ann);
    expect(roster.absence(ann, at(251))).toBeUndefined();
    sessions.end(token);
    expect(roster.absence(ann, at(251))).toBe('signed-out');
  });
});

describe('availability, the desk and the grace time over real HTTP', () => {
  let clock = T0;
  let app: App;
  let url: string;
  let config: Config;
  let channel: StandInChannel;

  async function start() {
    ({ app, url } = await startApp(config, { now: () => clock }));
  }

  beforeAll(async () => {
    channel = await startStandInChannel();
    config = testConfig();
    withDatabase(config, (db) => {
      const agents = new SqliteAgentStore(db);
      agents.add({ name: 'Cas', departments: ['customer-services', 'waste'], password: 'cas-password-1' }, T0);
      agents.add({ name: 'Sue', departments: ['waste'], role: 'supervisor', password: 'sue-password-1' }, T0);
    });
    await start();
  });
  afterAll(async () => {
    await app.close();
    await channel.close();
  });

  // Every session of Cas, so the sign-out test can end the others first.
  const signedIn: SignedIn[] = [];
  async function signIn(name: 'Cas' | 'Sue'): Promise<SignedIn> {
    const session = await login(url, name, `${name.toLowerCase()}-password-1`);
    if (name === 'Cas') signedIn.push(session);
    return session;
  }

  /** A resident asks for a person; returns their escalation's id if they joined the queue. */
  async function askForPerson(conversation: string, agent: SignedIn): Promise<number | undefined> {
    const waiting = async () => ((await call(url, agent, 'GET', '/api/console/queue')).body!.waiting as { id: number }[]).map((e) => e.id);
    const before = await waiting();
    for (const text of ['talk to a person', 'Yes, connect me']) await repliesTo(url, residentMessage(text, { conversation, serviceUrl: channel.serviceUrl }));
    return (await waiting()).find((id) => !before.includes(id));
  }

  it.each([
    [{ status: 'busy' }, /status/],
    [{ status: 'available', departments: ['housing'] }, /you do not serve housing/],
    [{ status: 'available', departments: [] }, /at least one department/],
    [{ status: 'away', colour: 'red' }, /colour|unrecognized/i],
    [{}, /status/],
  ])('refuses the status %p with 400', async (body, message) => {
    const cas = await signIn('Cas');
    const res = await call(url, cas, 'POST', '/api/console/status', body);
    expect(res).toMatchObject({ status: 400, body: { error: 'bad-request', message: expect.stringMatching(message) } });
  });

  it('keeps an agent’s status and departments, across a restart too', async () => {
    const cas = await signIn('Cas');
    const set = await call(url, cas, 'POST', '/api/console/status', { status: 'away', departments: ['waste'] });
    expect(set).toMatchObject({ status: 200, body: { me: { status: 'away', departments: ['waste'], realertMinutes: 3 } } });
    await app.close();
    await start();
    const again = await signIn('Cas');
    expect((await call(url, again, 'GET', '/api/console/queue')).body!.me).toEqual({
      status: 'away',
      departments: ['waste'],
      realertMinutes: 3,
      serves: [
        { id: 'customer-services', name: 'Customer Services' },
        { id: 'waste', name: 'Waste and Recycling' },
      ],
    });
  });

  it('does not count an agent who is away, or not taking the department, as on duty', async () => {
    const cas = await signIn('Cas');
    await call(url, cas, 'POST', '/api/console/status', { status: 'away', departments: ['customer-services'] });
    expect(await askForPerson('away-1', cas)).toBeUndefined();
    await call(url, cas, 'POST', '/api/console/status', { status: 'available', departments: ['waste'] });
    expect(await askForPerson('away-2', cas)).toBeUndefined();
    await call(url, cas, 'POST', '/api/console/status', { status: 'available', departments: ['customer-services', 'waste'] });
    expect(await askForPerson('away-3', cas)).toEqual(expect.any(Number));
  });

  it('returns the chats of an agent away past the grace time to the queue, not before, and tells the resident', async () => {
    const cas = await signIn('Cas');
    const sue = await signIn('Sue');
    const id = (await askForPerson('grace-1', cas))!;
    expect((await call(url, cas, 'POST', `/api/console/escalations/${id}/pickup`)).status).toBe(200);
    const watching = await openSse(`${url}/api/console/events`, sue.cookie);
    await watching.next((e) => e.event === 'hello');

    await call(url, cas, 'POST', '/api/console/status', { status: 'away' });
    const awayAt = clock;
    clock = new Date(awayAt.getTime() + 120_000);
    await app.sweepAbsentAgents();
    expect((await call(url, sue, 'GET', `/api/console/escalations/${id}`)).body!.escalation).toMatchObject({ status: 'active' });

    clock = new Date(awayAt.getTime() + 121_000);
    await app.sweepAbsentAgents();
    expect((await call(url, sue, 'GET', `/api/console/escalations/${id}`)).body!.escalation).toMatchObject({ status: 'waiting', agentId: null, position: expect.any(Number) });
    expect((await watching.next((e) => e.event === 'requeued')).data).toEqual({ type: 'requeued', escalationId: id, department: 'customer-services', agentId: '1' });
    expect(channel.received.filter((r) => r.path.includes('/grace-1/')).map((r) => r.body.text)).toContainEqual(
      expect.stringMatching(/^Sorry, the officer you were chatting with has had to leave\. You’re back in the queue for Customer Services: you’re number \d+\./),
    );
    watching.close();
    await call(url, cas, 'POST', '/api/console/status', { status: 'available' });
  });

  it('returns the chats of an agent whose console disconnected, after the grace time', async () => {
    const cas = await signIn('Cas');
    const stream = await openSse(`${url}/api/console/events`, cas.cookie);
    await stream.next((e) => e.event === 'hello');
    const id = (await askForPerson('grace-2', cas))!;
    expect((await call(url, cas, 'POST', `/api/console/escalations/${id}/pickup`)).status).toBe(200);
    stream.close();
    const goneAt = clock;
    // The server sees the close a moment later: wait until it has written it down (a second
    // reader of the same SQLite file), and only then let time pass.
    const db = openDatabase(config.databaseFile);
    const disconnected = db.prepare<[], { at: string | null }>('SELECT disconnected_since AS at FROM agent_presence WHERE agent_id = 1');
    while (!disconnected.get()?.at) await new Promise((r) => setTimeout(r, 10));
    expect(disconnected.get()!.at).toBe(goneAt.toISOString());
    db.close();
    clock = new Date(goneAt.getTime() + 60_000);
    await app.sweepAbsentAgents();
    expect((await call(url, cas, 'GET', `/api/console/escalations/${id}`)).body!.escalation.status).toBe('active');
    clock = new Date(goneAt.getTime() + 121_000);
    await app.sweepAbsentAgents();
    expect((await call(url, cas, 'GET', `/api/console/escalations/${id}`)).body!.escalation.status).toBe('waiting');
  });

  it('returns an agent’s chats at once when they sign out of their last session', async () => {
    const cas = await signIn('Cas');
    const id = (await askForPerson('signout-1', cas))!;
    expect((await call(url, cas, 'POST', `/api/console/escalations/${id}/pickup`)).status).toBe(200);
    // Signed in elsewhere too (the earlier tests' sessions), Cas is still there for the resident.
    for (const other of signedIn.filter((c) => c !== cas)) expect((await call(url, other, 'POST', '/api/console/logout')).status).toBe(204);
    expect((await call(url, cas, 'GET', `/api/console/escalations/${id}`)).body!.escalation.status).toBe('active');
    expect((await call(url, cas, 'POST', '/api/console/logout')).status).toBe(204);
    const sue = await signIn('Sue');
    expect((await call(url, sue, 'GET', `/api/console/escalations/${id}`)).body!.escalation).toMatchObject({ status: 'waiting', agentId: null });
    expect(channel.received.filter((r) => r.path.includes('/signout-1/')).map((r) => r.body.text)).toContainEqual(expect.stringMatching(/^Sorry, the officer you were chatting with has had to leave/));
  });
});
