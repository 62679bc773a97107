import { openDatabase, type Db } from '../../bot/db';
import { SqliteAgentStore } from '../../handoff/agents';
import { SqliteSessionStore } from '../../handoff/sessions';

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 9, 0) + minutes * 60_000);

describe('SqliteSessionStore', () => {
  let db: Db;
  let sessions: SqliteSessionStore;
  let agentId: number;
  beforeEach(() => {
    db = openDatabase(':memory:');
    const agents = new SqliteAgentStore(db);
    const added = agents.add({ name: 'Ann', departments: ['waste'], password: 'correct-horse-battery' }, t(0));
    agentId = added.kind === 'added' ? added.agent.id : -1;
    sessions = new SqliteSessionStore(db, { idleMinutes: 30, maxHours: 12 });
  });
  afterEach(() => db.close());

  it('finds a session by its token and renews its idle time', () => {
    const { token, session } = sessions.create(agentId, t(0));
    expect(session).toEqual({ agentId, csrfToken: expect.stringMatching(/^[\w-]{43}$/), createdAt: t(0).toISOString(), expiresAt: t(30).toISOString() });
    expect(sessions.touch(token, t(20))?.expiresAt).toBe(t(50).toISOString());
    expect(sessions.touch(token, t(49))?.agentId).toBe(agentId);
  });

  it('ends a session after the idle time', () => {
    const { token } = sessions.create(agentId, t(0));
    expect(sessions.touch(token, t(30))).toBeUndefined();
    expect(sessions.touch(token, t(1))).toBeUndefined(); // gone, not just expired
  });

  it('ends a busy session at the absolute limit', () => {
    const { token } = sessions.create(agentId, t(0));
    for (let m = 20; m < 12 * 60; m += 20) expect(sessions.touch(token, t(m))).toBeDefined();
    expect(sessions.touch(token, t(12 * 60))).toBeUndefined();
  });

  it('stores only a hash of the token', () => {
    const { token } = sessions.create(agentId, t(0));
    const rows = JSON.stringify(db.prepare('SELECT * FROM sessions').all());
    expect(rows).not.toContain(token);
  });

  it('signs out, and refuses unknown tokens', () => {
    const { token } = sessions.create(agentId, t(0));
    sessions.end(token);
    expect(sessions.touch(token, t(1))).toBeUndefined();
    expect(sessions.touch('made-up', t(1))).toBeUndefined();
  });

  it('purges expired sessions and those of removed agents', () => {
    sessions.create(agentId, t(0));
    const { token } = sessions.create(agentId, t(25));
    expect(sessions.purge(t(40))).toBe(1);
    new SqliteAgentStore(db).remove('Ann');
    expect(sessions.touch(token, t(41))).toBeUndefined();
  });
});
