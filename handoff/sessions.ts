import { createHash, randomBytes } from 'node:crypto';
import type { Sql, StoreSchema } from '../knowledge/sql';

/**
 * Console sign-in sessions. The cookie carries a random token; only its SHA-256 is stored, so
 * a copy of the database does not let anyone in. A session ends after `idleMinutes` without
 * use, and after `maxHours` however busy (a duty officer signs in again each shift).
 * Each session has its own CSRF token, returned at sign-in and required on every change.
 */

export interface Session {
  agentId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface SessionLimits {
  idleMinutes: number;
  maxHours: number;
}

export interface SessionStore {
  /** A new session; the returned token goes in the cookie and is never stored. */
  create(agentId: number, now: Date): Promise<{ token: string; session: Session }>;
  /** The live session for a token, its idle time renewed; undefined if unknown or expired. */
  touch(token: string, now: Date): Promise<Session | undefined>;
  end(token: string): Promise<void>;
  /** Deletes expired sessions; returns how many. */
  purge(now: Date): Promise<number>;
  /** Agents signed in right now: the ones on duty. */
  signedInAgents(now: Date): Promise<number[]>;
  /**
   * Failed sign-ins for a name (any case) in the window that ends now: 0 once the window has
   * passed. Kept in the database, so every instance counts the same attempts.
   */
  failedSignIns(name: string, now: Date, window: SignInWindow): Promise<number>;
  /** Counts one more failed sign-in, starting a new window if the last one has passed; returns the count. */
  signInFailed(name: string, now: Date, window: SignInWindow): Promise<number>;
  /** A successful sign-in forgets the failures. */
  signInSucceeded(name: string): Promise<void>;
}

export interface SignInWindow {
  minutes: number;
}

export const SESSIONS_SCHEMA: StoreSchema = {
  store: 'sessions',
  sqlite: [
    `CREATE TABLE sessions (
       token_hash TEXT PRIMARY KEY,
       agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
       csrf_token TEXT NOT NULL,
       created_at TEXT NOT NULL,
       expires_at TEXT NOT NULL
     );
     CREATE INDEX sessions_expiry ON sessions (expires_at);`,
    // Failed sign-ins were counted in each process's memory; with several instances a guesser
    // would get five tries per instance. Keyed by the lower-cased name typed, which need not be an agent.
    `CREATE TABLE sign_in_failures (
       name_key TEXT PRIMARY KEY,
       failures INTEGER NOT NULL,
       since TEXT NOT NULL
     );`,
  ],
  postgres: [
    `CREATE TABLE sessions (
       token_hash TEXT PRIMARY KEY,
       agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
       csrf_token TEXT NOT NULL,
       created_at TEXT NOT NULL,
       expires_at TEXT NOT NULL
     );
     CREATE INDEX sessions_expiry ON sessions (expires_at);
     CREATE TABLE sign_in_failures (
       name_key TEXT PRIMARY KEY,
       failures INTEGER NOT NULL,
       since TEXT NOT NULL
     );`,
  ],
};

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');
const nameKey = (name: string) => name.trim().toLowerCase();
const windowStart = (now: Date, window: SignInWindow) => new Date(now.getTime() - window.minutes * 60_000).toISOString();

interface Row {
  agent_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

/** Needs AGENTS_SCHEMA and SESSIONS_SCHEMA migrated: sessions belong to agents. */
export class SqlSessionStore implements SessionStore {
  constructor(
    private readonly sql: Sql,
    private readonly limits: SessionLimits,
  ) {}

  async create(agentId: number, now: Date): Promise<{ token: string; session: Session }> {
    const token = newToken();
    const session: Session = { agentId, csrfToken: newToken(), createdAt: now.toISOString(), expiresAt: this.expiry(now, now).toISOString() };
    await this.sql.run('INSERT INTO sessions (token_hash, agent_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
      hashToken(token),
      agentId,
      session.csrfToken,
      session.createdAt,
      session.expiresAt,
    ]);
    return { token, session };
  }

  async touch(token: string, now: Date): Promise<Session | undefined> {
    const key = hashToken(token);
    const row = await this.sql.get<Row>('SELECT agent_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?', [key]);
    if (!row) return undefined;
    if (Date.parse(row.expires_at) <= now.getTime()) {
      await this.sql.run('DELETE FROM sessions WHERE token_hash = ?', [key]);
      return undefined;
    }
    const expiresAt = this.expiry(new Date(row.created_at), now).toISOString();
    // Two instances renewing at once both write a later expiry; the row never moves backwards
    // far enough to matter (seconds), and a session signed out meanwhile stays gone.
    await this.sql.run('UPDATE sessions SET expires_at = ? WHERE token_hash = ?', [expiresAt, key]);
    return { agentId: row.agent_id, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt };
  }

  async end(token: string): Promise<void> {
    await this.sql.run('DELETE FROM sessions WHERE token_hash = ?', [hashToken(token)]);
  }

  async purge(now: Date): Promise<number> {
    return (await this.sql.run('DELETE FROM sessions WHERE expires_at <= ?', [now.toISOString()])).changes;
  }

  async signedInAgents(now: Date): Promise<number[]> {
    const rows = await this.sql.all<{ agent_id: number }>('SELECT DISTINCT agent_id FROM sessions WHERE expires_at > ? ORDER BY agent_id', [now.toISOString()]);
    return rows.map((r) => r.agent_id);
  }

  async failedSignIns(name: string, now: Date, window: SignInWindow): Promise<number> {
    const row = await this.sql.get<{ failures: number }>('SELECT failures FROM sign_in_failures WHERE name_key = ? AND since > ?', [nameKey(name), windowStart(now, window)]);
    return row?.failures ?? 0;
  }

  async signInFailed(name: string, now: Date, window: SignInWindow): Promise<number> {
    // One statement, so failures from several instances at once are all counted.
    const row = await this.sql.get<{ failures: number }>(
      `INSERT INTO sign_in_failures (name_key, failures, since) VALUES (@key, 1, @now)
       ON CONFLICT (name_key) DO UPDATE SET
         failures = CASE WHEN sign_in_failures.since <= @start THEN 1 ELSE sign_in_failures.failures + 1 END,
         since = CASE WHEN sign_in_failures.since <= @start THEN @now ELSE sign_in_failures.since END
       RETURNING failures`,
      { key: nameKey(name), now: now.toISOString(), start: windowStart(now, window) },
    );
    return row!.failures;
  }

  async signInSucceeded(name: string): Promise<void> {
    await this.sql.run('DELETE FROM sign_in_failures WHERE name_key = ?', [nameKey(name)]);
  }

  /** Idle limit from now, but never past the absolute limit from sign-in. */
  private expiry(createdAt: Date, now: Date): Date {
    const idle = now.getTime() + this.limits.idleMinutes * 60_000;
    const absolute = createdAt.getTime() + this.limits.maxHours * 3_600_000;
    return new Date(Math.min(idle, absolute));
  }
}
