import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { migrate } from '../bot/db';

/**
 * The duty officers who may sign in to the console: name, the departments they serve, role,
 * and a password hash (Node's scrypt, salted; never the password). SQL stays in this module.
 */

export const ROLES = ['agent', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

export const MIN_PASSWORD_LENGTH = 10;

export const newAgentSchema = z.strictObject({
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(60, { message: 'must be at most 60 characters' }),
  departments: z.array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be department ids like "council-tax"' })).min(1, { message: 'name at least one department' }),
  role: z.enum(ROLES).default('agent'),
  password: z.string().min(MIN_PASSWORD_LENGTH, { message: `must be at least ${MIN_PASSWORD_LENGTH} characters` }),
});
export type NewAgent = z.input<typeof newAgentSchema>;

export interface Agent {
  id: number;
  name: string;
  departments: string[];
  role: Role;
  createdAt: string;
}

export type AddResult = { kind: 'added'; agent: Agent } | { kind: 'exists'; name: string };

export interface AgentStore {
  add(agent: NewAgent, now: Date): AddResult;
  list(): Agent[];
  get(name: string): Agent | undefined;
  byId(id: number): Agent | undefined;
  remove(name: string): { kind: 'removed' } | { kind: 'not-found' };
  /** The agent if the password is right; undefined otherwise (without saying which was wrong). */
  verify(name: string, password: string): Promise<Agent | undefined>;
}

// scrypt cost: N=2^14, r=8, p=1 (Node's defaults, ~50 ms here): slow for guessing, quick for one sign-in.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 64 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Asynchronous: a sign-in must not hold up every resident's chat for the ~50 ms scrypt takes. */
export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
  return timingSafeEqual(actual, expected);
}

/** A password hash to compare against when the name is unknown, so both cases take as long. */
const DUMMY_HASH = hashPassword(randomBytes(12).toString('hex'));

const MIGRATIONS = [
  `CREATE TABLE agents (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL UNIQUE COLLATE NOCASE,
     departments TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor')),
     password_hash TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
];

interface Row {
  id: number;
  name: string;
  departments: string;
  role: Role;
  password_hash: string;
  created_at: string;
}

const fromRow = (r: Row): Agent => ({ id: r.id, name: r.name, departments: JSON.parse(r.departments) as string[], role: r.role, createdAt: r.created_at });

export class SqliteAgentStore implements AgentStore {
  private readonly sql;

  constructor(db: Database) {
    migrate(db, 'agents', MIGRATIONS);
    this.sql = {
      insert: db.prepare('INSERT INTO agents (name, departments, role, password_hash, created_at) VALUES (@name, @departments, @role, @hash, @at) ON CONFLICT (name) DO NOTHING'),
      get: db.prepare<[string], Row>('SELECT * FROM agents WHERE name = ?'),
      byId: db.prepare<[number], Row>('SELECT * FROM agents WHERE id = ?'),
      list: db.prepare<[], Row>('SELECT * FROM agents ORDER BY name COLLATE NOCASE'),
      remove: db.prepare<[string]>('DELETE FROM agents WHERE name = ?'),
    };
  }

  /** Validates with newAgentSchema: throws its ZodError for bad input (callers validate first). */
  add(input: NewAgent, now: Date): AddResult {
    const agent = newAgentSchema.parse(input);
    const { changes } = this.sql.insert.run({
      name: agent.name,
      departments: JSON.stringify(agent.departments),
      role: agent.role,
      hash: hashPassword(agent.password),
      at: now.toISOString(),
    });
    return changes === 1 ? { kind: 'added', agent: this.get(agent.name)! } : { kind: 'exists', name: agent.name };
  }

  list(): Agent[] {
    return this.sql.list.all().map(fromRow);
  }

  get(name: string): Agent | undefined {
    const row = this.sql.get.get(name.trim());
    return row && fromRow(row);
  }

  byId(id: number): Agent | undefined {
    const row = this.sql.byId.get(id);
    return row && fromRow(row);
  }

  remove(name: string): { kind: 'removed' } | { kind: 'not-found' } {
    return this.sql.remove.run(name.trim()).changes === 1 ? { kind: 'removed' } : { kind: 'not-found' };
  }

  async verify(name: string, password: string): Promise<Agent | undefined> {
    const row = this.sql.get.get(name.trim());
    const ok = await checkPassword(password, row?.password_hash ?? DUMMY_HASH);
    return row && ok ? fromRow(row) : undefined;
  }
}
