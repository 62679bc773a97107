import { migrateAll } from '../../bot/db/schemas';
import { checkPassword, hashPassword, SqlAgentStore } from '../../handoff/agents';
import type { Sql } from '../../knowledge/sql';
import { forEachBackend } from '../db/backends';

const now = new Date('2026-11-25T10:00:00Z');
const ann = { name: 'Ann Smith', departments: ['waste', 'housing'], role: 'supervisor' as const, password: 'correct-horse-battery' };

forEachBackend('SqlAgentStore', (fresh) => {
  let sql: Sql;
  let store: SqlAgentStore;
  beforeEach(async () => {
    sql = (await fresh()).sql;
    await migrateAll(sql);
    store = new SqlAgentStore(sql);
  });

  it('adds, lists and removes agents', async () => {
    expect(await store.add(ann, now)).toEqual({
      kind: 'added',
      agent: { id: 1, name: 'Ann Smith', departments: ['waste', 'housing'], role: 'supervisor', createdAt: '2026-11-25T10:00:00.000Z' },
    });
    await store.add({ name: 'bob', departments: ['parking'], password: 'another-long-one' }, now);
    await store.add({ name: 'Cat', departments: ['parking'], password: 'another-long-one' }, now);
    // Alphabetical whatever the case, on both databases.
    expect((await store.list()).map((a) => [a.name, a.role])).toEqual([
      ['Ann Smith', 'supervisor'],
      ['bob', 'agent'],
      ['Cat', 'agent'],
    ]);
    expect(await store.remove('Bob')).toEqual({ kind: 'removed' });
    expect(await store.remove('Bob')).toEqual({ kind: 'not-found' });
  });

  it('finds an agent by name whatever the case, and by id', async () => {
    const added = await store.add(ann, now);
    const id = added.kind === 'added' ? added.agent.id : NaN;
    expect((await store.get('  ann SMITH '))?.id).toBe(id);
    expect((await store.byId(id))?.name).toBe('Ann Smith');
    expect(await store.byId(id + 1)).toBeUndefined();
  });

  it('refuses a second agent with the same name, whatever the case', async () => {
    await store.add(ann, now);
    expect(await store.add({ ...ann, name: 'ann smith' }, now)).toEqual({ kind: 'exists', name: 'ann smith' });
    expect(await store.list()).toHaveLength(1);
  });

  it('adds one agent when two add the same name at once', async () => {
    const results = await Promise.all([store.add(ann, now), store.add({ ...ann, name: 'ANN SMITH' }, now)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['added', 'exists']);
  });

  it('signs in with the right password only, the name in any case', async () => {
    await store.add(ann, now);
    expect((await store.verify('Ann Smith', 'correct-horse-battery'))?.name).toBe('Ann Smith');
    expect((await store.verify('ann smith', 'correct-horse-battery'))?.name).toBe('Ann Smith');
    expect(await store.verify('Ann Smith', 'wrong-horse-battery')).toBeUndefined();
    expect(await store.verify('Nobody', 'correct-horse-battery')).toBeUndefined();
  });

  it('never stores the password itself', async () => {
    await store.add(ann, now);
    const row = (await sql.get<Record<string, unknown>>('SELECT * FROM agents'))!;
    expect(JSON.stringify(row)).not.toContain('correct-horse-battery');
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('rejects bad input with the field named', async () => {
    await expect(store.add({ ...ann, password: 'short' }, now)).rejects.toThrow(/at least 10 characters/);
    await expect(store.add({ ...ann, departments: [] }, now)).rejects.toThrow(/at least one department/);
  });
});

describe('password hashes', () => {
  it('are salted: the same password hashes differently each time, and both check', async () => {
    const a = hashPassword('correct-horse-battery');
    const b = hashPassword('correct-horse-battery');
    expect(a).not.toBe(b);
    expect(await checkPassword('correct-horse-battery', a)).toBe(true);
    expect(await checkPassword('correct-horse-battery', b)).toBe(true);
    expect(await checkPassword('correct-horse-batter', a)).toBe(false);
    expect(await checkPassword('anything', 'not-a-hash')).toBe(false);
  });
});
