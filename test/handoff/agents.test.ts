import { openDatabase } from '../../bot/db';
import { checkPassword, hashPassword, SqliteAgentStore } from '../../handoff/agents';

const now = new Date('2026-11-25T10:00:00Z');
const ann = { name: 'Ann Smith', departments: ['waste', 'housing'], role: 'supervisor' as const, password: 'correct-horse-battery' };

describe('SqliteAgentStore', () => {
  const fresh = () => new SqliteAgentStore(openDatabase(':memory:'));

  it('adds, lists and removes agents', () => {
    const store = fresh();
    expect(store.add(ann, now)).toEqual({
      kind: 'added',
      agent: { id: 1, name: 'Ann Smith', departments: ['waste', 'housing'], role: 'supervisor', createdAt: '2026-11-25T10:00:00.000Z' },
    });
    store.add({ name: 'Bob', departments: ['parking'], password: 'another-long-one' }, now);
    expect(store.list().map((a) => [a.name, a.role])).toEqual([['Ann Smith', 'supervisor'], ['Bob', 'agent']]);
    expect(store.remove('Bob')).toEqual({ kind: 'removed' });
    expect(store.remove('Bob')).toEqual({ kind: 'not-found' });
  });

  it('refuses a second agent with the same name, whatever the case', () => {
    const store = fresh();
    store.add(ann, now);
    expect(store.add({ ...ann, name: 'ann smith' }, now)).toEqual({ kind: 'exists', name: 'ann smith' });
  });

  it('signs in with the right password only', async () => {
    const store = fresh();
    store.add(ann, now);
    expect((await store.verify('Ann Smith', 'correct-horse-battery'))?.name).toBe('Ann Smith');
    expect(await store.verify('Ann Smith', 'wrong-horse-battery')).toBeUndefined();
    expect(await store.verify('Nobody', 'correct-horse-battery')).toBeUndefined();
  });

  it('never stores the password itself', () => {
    const db = openDatabase(':memory:');
    new SqliteAgentStore(db).add(ann, now);
    const row = db.prepare('SELECT * FROM agents').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain('correct-horse-battery');
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('rejects bad input with the field named', () => {
    expect(() => fresh().add({ ...ann, password: 'short' }, now)).toThrow(/at least 10 characters/);
    expect(() => fresh().add({ ...ann, departments: [] }, now)).toThrow(/at least one department/);
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
