import type { Config } from '../../bot/config';
import type { Backend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import type { App } from '../../bot/index';
import { SqlAgentStore, type AddResult } from '../../handoff/agents';
import { DutyRoster, SqlPresenceStore } from '../../handoff/presence';
import { SqlSessionStore } from '../../handoff/sessions';
import type { Sql } from '../../knowledge/sql';
import { startApp, testConfig, withSql } from '../app';
import { anotherInstance, forEachBackend } from '../db/backends';
import { repliesTo, residentMessage } from '../bot/residentClient';
import { call, login, type SignedIn } from './consoleClient';
import { openSse } from './sseClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

const T0 = new Date('2026-11-25T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const HEARTBEAT_MS = 5_000;
const presenceOf = (sql: Sql, instanceId = 'one', soleInstance = false) => new SqlPresenceStore(sql, { instanceId, heartbeatMs: HEARTBEAT_MS, soleInstance });

forEachBackend('the duty roster', (fresh) => {
  let backend: Backend;
  let presence: SqlPresenceStore;
  let sessions: SqlSessionStore;
  let roster: DutyRoster;
  let ann: number;
  let sue: number;

  beforeEach(async () => {
    backend = await fresh();
    await migrateAll(backend.sql);
    const agents = new SqlAgentStore(backend.sql);
    const added = (r: AddResult) => (r.kind === 'added' ? r.agent.id : NaN);
    ann = added(await agents.add({ name: 'Ann', departments: ['waste', 'housing'], password: 'ann-password-1' }, T0));
    sue = added(await agents.add({ name: 'Sue', departments: ['waste'], role: 'supervisor', password: 'sue-password-1' }, T0));
    sessions = new SqlSessionStore(backend.sql, { idleMinutes: 30, maxHours: 12 });
    presence = presenceOf(backend.sql);
    await presence.restart(T0);
    roster = new DutyRoster({ presence, sessions, agents, departments: () => ['waste', 'housing', 'council-tax'], graceSeconds: 120 });
  });

  const onDuty = async (department: string, now = T0) => (await roster.onDuty(department, now)).map((a) => a.name);

  it('counts only signed-in agents, for the departments they serve (supervisors: all)', async () => {
    expect(await onDuty('waste')).toEqual([]);
    await sessions.create(ann, T0);
    await sessions.create(sue, T0);
    expect(await onDuty('waste')).toEqual(['Ann', 'Sue']);
    expect(await onDuty('council-tax')).toEqual(['Sue']);
  });

  it('leaves out an agent who is away, or not taking that department', async () => {
    await sessions.create(ann, T0);
    await presence.setStatus(ann, 'away', undefined, T0);
    expect(await onDuty('waste')).toEqual([]);
    await presence.setStatus(ann, 'available', ['housing'], at(10));
    expect(await onDuty('waste')).toEqual([]);
    expect(await onDuty('housing')).toEqual(['Ann']);
    // Becoming available again keeps the departments chosen before.
    await presence.setStatus(ann, 'away', undefined, at(20));
    await presence.setStatus(ann, 'available', undefined, at(30));
    expect(await presence.get(ann, at(30))).toMatchObject({ status: 'available', departments: ['housing'], statusSince: at(30).toISOString() });
  });

  it('keeps a disconnected agent on duty for the grace time, and no longer', async () => {
    await sessions.create(ann, T0);
    const close = await presence.connect(ann, T0);
    await close(at(60));
    expect(await onDuty('waste', at(180))).toEqual(['Ann']);
    expect(await onDuty('waste', at(181))).toEqual([]);
    // Back within or after the grace time: connected again.
    const again = await presence.connect(ann, at(200));
    expect(await onDuty('waste', at(200))).toEqual(['Ann']);
    await again(at(300));
  });

  it('is connected while any of an agent’s streams is open', async () => {
    const first = await presence.connect(ann, T0);
    const second = await presence.connect(ann, T0);
    await first(at(10));
    await first(at(20)); // closing twice counts once
    expect((await presence.get(ann, at(20))).disconnectedSince).toBeUndefined();
    await second(at(30));
    expect((await presence.get(ann, at(30))).disconnectedSince).toBe(at(30).toISOString());
  });

  it('keeps status and departments across a restart, and counts its open streams as dropped from then', async () => {
    await presence.setStatus(ann, 'available', ['waste'], T0);
    await presence.connect(ann, T0);
    // The same instance started again (its id kept, as the sole instance of a SQLite file or by configuration).
    const restarted = presenceOf(backend.sql);
    await restarted.restart(at(50));
    expect(await restarted.get(ann, at(50))).toEqual({ status: 'available', departments: ['waste'], statusSince: T0.toISOString(), disconnectedSince: at(50).toISOString() });
  });

  it('as the sole instance, counts every stream left in the database as dropped at start, whoever held it', async () => {
    await presence.connect(ann, T0);
    const restarted = presenceOf(backend.sql, 'a-new-process', true);
    await restarted.restart(at(50));
    expect((await restarted.get(ann, at(50))).disconnectedSince).toBe(at(50).toISOString());
  });

  it('says when an agent holding chats has gone: signed out at once, away or disconnected after the grace time', async () => {
    expect(await roster.absence(ann, T0)).toBe('signed-out');
    const { token } = await sessions.create(ann, T0);
    expect(await roster.absence(ann, T0)).toBeUndefined();
    await presence.setStatus(ann, 'away', undefined, T0);
    expect(await roster.absence(ann, at(120))).toBeUndefined();
    expect(await roster.absence(ann, at(121))).toBe('away');
    await presence.setStatus(ann, 'available', undefined, at(121));
    await (await presence.connect(ann, at(121)))(at(130));
    expect(await roster.absence(ann, at(250))).toBeUndefined();
    expect(await roster.absence(ann, at(251))).toBe('disconnected');
    // Signing in again is a sign of life.
    await presence.signedIn(ann, at(251));
    expect(await roster.absence(ann, at(251))).toBeUndefined();
    await sessions.end(token);
    expect(await roster.absence(ann, at(251))).toBe('signed-out');
  });
});

forEachBackend('presence with two instances on one database', (fresh) => {
  let one: SqlPresenceStore;
  let two: SqlPresenceStore;
  let ann: number;
  let closeSecond: () => Promise<void>;

  beforeEach(async () => {
    const backend = await fresh();
    await migrateAll(backend.sql);
    const added = await new SqlAgentStore(backend.sql).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, T0);
    ann = added.kind === 'added' ? added.agent.id : NaN;
    const second = await anotherInstance(backend);
    closeSecond = second.close;
    one = presenceOf(backend.sql, 'instance-1');
    two = presenceOf(second.backend.sql, 'instance-2');
    await one.restart(T0);
  });
  afterEach(() => closeSecond());

  const disconnectedSince = async (store: SqlPresenceStore, now: Date) => (await store.get(ann, now)).disconnectedSince;

  it('does not mark agents connected to another instance as disconnected when an instance starts', async () => {
    await one.connect(ann, T0);
    await two.restart(at(1));
    expect(await disconnectedSince(two, at(1))).toBeUndefined();
    expect(await disconnectedSince(one, at(1))).toBeUndefined();
  });

  it('counts a stream open on one instance as connected on the other, while its instance vouches for it', async () => {
    const close = await one.connect(ann, T0);
    for (const s of [10, 20, 30]) {
      await one.beat(at(s));
      await two.beat(at(s + 1));
      expect(await disconnectedSince(two, at(s + 1))).toBeUndefined();
    }
    await close(at(40));
    expect(await disconnectedSince(two, at(41))).toBe(at(40).toISOString());
  });

  it('keeps an agent connected while a stream on either instance is open', async () => {
    const onOne = await one.connect(ann, T0);
    const onTwo = await two.connect(ann, at(1));
    await onOne(at(2));
    expect(await disconnectedSince(one, at(3))).toBeUndefined();
    expect(await disconnectedSince(two, at(3))).toBeUndefined();
    await onTwo(at(4));
    expect(await disconnectedSince(one, at(5))).toBe(at(4).toISOString());
  });

  it('counts the streams of an instance that died without closing them as gone after three missed heartbeats', async () => {
    await one.connect(ann, T0);
    await one.beat(at(5));
    // Instance 1 is killed: it neither closes its streams nor vouches for them again.
    expect(await disconnectedSince(two, at(19))).toBeUndefined();
    expect(await disconnectedSince(two, at(20))).toBe(at(5).toISOString());
    // Instance 2's heartbeat clears the dead streams and writes the time down for good.
    await two.beat(at(20));
    expect(await disconnectedSince(two, at(500))).toBe(at(5).toISOString());
    expect(await one.get(ann, at(500))).toMatchObject({ disconnectedSince: at(5).toISOString() });
  });

  it('takes a sign-in as a sign of life even before a heartbeat has cleared a dead instance’s streams', async () => {
    await one.connect(ann, T0);
    // Instance 1 is killed; nobody has beaten since.
    expect(await disconnectedSince(two, at(30))).toBe(T0.toISOString());
    await two.signedIn(ann, at(30));
    expect(await disconnectedSince(two, at(30))).toBeUndefined();
  });

  it('ends connected when a stream closes on one instance while another opens on the other, however they interleave', async () => {
    for (let round = 0; round < 20; round++) {
      const close = await one.connect(ann, at(round * 10));
      const [, reopened] = await Promise.all([close(at(round * 10 + 1)), two.connect(ann, at(round * 10 + 1))]);
      expect(await disconnectedSince(one, at(round * 10 + 2))).toBeUndefined();
      await reopened(at(round * 10 + 3));
      expect(await disconnectedSince(two, at(round * 10 + 4))).toBe(at(round * 10 + 3).toISOString());
    }
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
    await withSql(config, async (sql) => {
      const agents = new SqlAgentStore(sql);
      await agents.add({ name: 'Cas', departments: ['customer-services', 'waste'], password: 'cas-password-1' }, T0);
      await agents.add({ name: 'Sue', departments: ['waste'], role: 'supervisor', password: 'sue-password-1' }, T0);
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
    const disconnectedAt = () => withSql(config, async (sql) => (await sql.get<{ at: string | null }>('SELECT disconnected_since AS at FROM agent_presence WHERE agent_id = 1'))?.at);
    while (!(await disconnectedAt())) await new Promise((r) => setTimeout(r, 10));
    expect(await disconnectedAt()).toBe(goneAt.toISOString());
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
