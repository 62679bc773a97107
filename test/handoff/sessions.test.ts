import { migrateAll } from '../../bot/db/schemas';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlSessionStore } from '../../handoff/sessions';
import type { Sql } from '../../knowledge/sql';
import type { Backend } from '../../bot/db';
import { anotherInstance, forEachBackend } from '../db/backends';

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 9, 0) + minutes * 60_000);
const LIMITS = { idleMinutes: 30, maxHours: 12 };
const WINDOW = { minutes: 15 };

forEachBackend('SqlSessionStore', (fresh) => {
  let backend: Backend;
  let sql: Sql;
  let sessions: SqlSessionStore;
  let agentId: number;
  beforeEach(async () => {
    backend = await fresh();
    sql = backend.sql;
    await migrateAll(sql);
    const added = await new SqlAgentStore(sql).add({ name: 'Ann', departments: ['waste'], password: 'correct-horse-battery' }, t(0));
    agentId = added.kind === 'added' ? added.agent.id : -1;
    sessions = new SqlSessionStore(sql, LIMITS);
  });

  it('finds a session by its token and renews its idle time', async () => {
    const { token, session } = await sessions.create(agentId, t(0));
    expect(session).toEqual({ agentId, csrfToken: expect.stringMatching(/^[\w-]{43}$/), createdAt: t(0).toISOString(), expiresAt: t(30).toISOString() });
    expect((await sessions.touch(token, t(20)))?.expiresAt).toBe(t(50).toISOString());
    expect((await sessions.touch(token, t(49)))?.agentId).toBe(agentId);
  });

  it('ends a session after the idle time', async () => {
    const { token } = await sessions.create(agentId, t(0));
    expect(await sessions.touch(token, t(30))).toBeUndefined();
    expect(await sessions.touch(token, t(1))).toBeUndefined(); // gone, not just expired
  });

  it('ends a busy session at the absolute limit', async () => {
    const { token } = await sessions.create(agentId, t(0));
    for (let m = 20; m < 12 * 60; m += 20) expect(await sessions.touch(token, t(m))).toBeDefined();
    expect(await sessions.touch(token, t(12 * 60))).toBeUndefined();
  });

  it('stores only a hash of the token', async () => {
    const { token } = await sessions.create(agentId, t(0));
    const rows = await sql.all('SELECT * FROM sessions');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('signs out, and refuses unknown tokens', async () => {
    const { token } = await sessions.create(agentId, t(0));
    await sessions.end(token);
    expect(await sessions.touch(token, t(1))).toBeUndefined();
    expect(await sessions.touch('made-up', t(1))).toBeUndefined();
  });

  it('purges expired sessions and those of removed agents', async () => {
    await sessions.create(agentId, t(0));
    const { token } = await sessions.create(agentId, t(25));
    expect(await sessions.signedInAgents(t(26))).toEqual([agentId]);
    expect(await sessions.purge(t(40))).toBe(1);
    await new SqlAgentStore(sql).remove('Ann');
    expect(await sessions.touch(token, t(41))).toBeUndefined();
    expect(await sessions.signedInAgents(t(41))).toEqual([]);
  });

  it('counts failed sign-ins per name, whatever its case, within the window', async () => {
    expect(await sessions.failedSignIns('Ann', t(0), WINDOW)).toBe(0);
    expect(await sessions.signInFailed('Ann', t(0), WINDOW)).toBe(1);
    expect(await sessions.signInFailed(' ANN ', t(5), WINDOW)).toBe(2);
    expect(await sessions.failedSignIns('ann', t(14), WINDOW)).toBe(2);
    expect(await sessions.failedSignIns('Bob', t(14), WINDOW)).toBe(0);
    // The window runs from the first failure: after it, the count starts again.
    expect(await sessions.failedSignIns('Ann', t(15), WINDOW)).toBe(0);
    expect(await sessions.signInFailed('Ann', t(15), WINDOW)).toBe(1);
    await sessions.signInSucceeded('ann');
    expect(await sessions.failedSignIns('Ann', t(16), WINDOW)).toBe(0);
  });

  it('counts every failed sign-in when several arrive at once on two instances', async () => {
    const other = await anotherInstance(backend);
    try {
      const second = new SqlSessionStore(other.backend.sql, LIMITS);
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : sessions).signInFailed('Ann', t(1), WINDOW)));
      expect(await sessions.failedSignIns('Ann', t(2), WINDOW)).toBe(10);
      expect(await second.failedSignIns('Ann', t(2), WINDOW)).toBe(10);
    } finally {
      await other.close();
    }
  });
});

