import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { migrate } from '../bot/db';

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
  create(agentId: number, now: Date): { token: string; session: Session };
  /** The live session for a token, its idle time renewed; undefined if unknown or expired. */
  touch(token: string, now: Date): Session | undefined;
  end(token: string): void;
  /** Deletes expired sessions; returns how many. */
  purge(now: Date): number;
  /** Agents signed in right now: the ones on duty. */
  signedInAgents(now: Date): number[];
}

const MIGRATIONS = [
  `CREATE TABLE sessions (
     token_hash TEXT PRIMARY KEY,
     agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
     csrf_token TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX sessions_expiry ON sessions (expires_at);`,
];

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

interface Row {
  agent_id: number;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export class SqliteSessionStore implements SessionStore {
  private readonly sql;

  /** Needs the agents table (SqliteAgentStore) in the same database: sessions belong to agents. */
  constructor(
    db: Database,
    private readonly limits: SessionLimits,
  ) {
    migrate(db, 'sessions', MIGRATIONS);
    this.sql = {
      insert: db.prepare('INSERT INTO sessions (token_hash, agent_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT agent_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?'),
      renew: db.prepare<[string, string]>('UPDATE sessions SET expires_at = ? WHERE token_hash = ?'),
      remove: db.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?'),
      purge: db.prepare<[string]>('DELETE FROM sessions WHERE expires_at <= ?'),
      signedIn: db.prepare<[string], { agent_id: number }>('SELECT DISTINCT agent_id FROM sessions WHERE expires_at > ? ORDER BY agent_id'),
    };
  }

  create(agentId: number, now: Date): { token: string; session: Session } {
    const token = newToken();
    const session: Session = { agentId, csrfToken: newToken(), createdAt: now.toISOString(), expiresAt: this.expiry(now, now).toISOString() };
    this.sql.insert.run(hashToken(token), agentId, session.csrfToken, session.createdAt, session.expiresAt);
    return { token, session };
  }

  touch(token: string, now: Date): Session | undefined {
    const key = hashToken(token);
    const row = this.sql.get.get(key);
    if (!row) return undefined;
    if (Date.parse(row.expires_at) <= now.getTime()) {
      this.sql.remove.run(key);
      return undefined;
    }
    const expiresAt = this.expiry(new Date(row.created_at), now).toISOString();
    this.sql.renew.run(expiresAt, key);
    return { agentId: row.agent_id, csrfToken: row.csrf_token, createdAt: row.created_at, expiresAt };
  }

  end(token: string): void {
    this.sql.remove.run(hashToken(token));
  }

  purge(now: Date): number {
    return this.sql.purge.run(now.toISOString()).changes;
  }

  signedInAgents(now: Date): number[] {
    return this.sql.signedIn.all(now.toISOString()).map((r) => r.agent_id);
  }

  /** Idle limit from now, but never past the absolute limit from sign-in. */
  private expiry(createdAt: Date, now: Date): Date {
    const idle = now.getTime() + this.limits.idleMinutes * 60_000;
    const absolute = createdAt.getTime() + this.limits.maxHours * 3_600_000;
    return new Date(Math.min(idle, absolute));
  }
}
