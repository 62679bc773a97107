import type { Database } from 'better-sqlite3';
import { migrate } from '../bot/db';
import { redact } from './redact';

/**
 * The messages of a live chat between a resident and a duty officer, after pick-up (the
 * conversation before it is in the transcript store). Residents' words are redacted before
 * they are written, like everything else kept; an agent's reply is kept as sent. A reply is
 * stored before it is sent, and marked delivered after, so a failed delivery loses nothing.
 */

export type Author = 'resident' | 'agent';

export interface LiveMessage {
  id: number;
  escalationId: number;
  author: Author;
  /** The agent's id for their messages. */
  agentId?: string;
  text: string;
  sentAt: string;
  /** When it reached the other side; unset if delivery failed or is under way. */
  deliveredAt?: string;
}

export interface LiveMessageStore {
  add(message: { escalationId: number; author: Author; agentId?: string; text: string }, now: Date): LiveMessage;
  markDelivered(id: number, now: Date): void;
  list(escalationId: number): LiveMessage[];
}

const MIGRATIONS = [
  `CREATE TABLE live_messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     escalation_id INTEGER NOT NULL REFERENCES escalations (id),
     author TEXT NOT NULL CHECK (author IN ('resident', 'agent')),
     agent_id TEXT,
     text TEXT NOT NULL,
     sent_at TEXT NOT NULL,
     delivered_at TEXT
   );
   CREATE INDEX live_messages_escalation ON live_messages (escalation_id, id);`,
];

interface Row {
  id: number;
  escalation_id: number;
  author: Author;
  agent_id: string | null;
  text: string;
  sent_at: string;
  delivered_at: string | null;
}

const fromRow = (r: Row): LiveMessage => ({
  id: r.id,
  escalationId: r.escalation_id,
  author: r.author,
  text: r.text,
  sentAt: r.sent_at,
  ...(r.agent_id !== null && { agentId: r.agent_id }),
  ...(r.delivered_at !== null && { deliveredAt: r.delivered_at }),
});

export class SqliteLiveMessageStore implements LiveMessageStore {
  private readonly sql;

  /** Needs the escalations table (SqliteEscalationQueue) in the same database. */
  constructor(
    private readonly db: Database,
    private readonly options: { redact: boolean } = { redact: true },
  ) {
    migrate(db, 'live-messages', MIGRATIONS);
    this.sql = {
      insert: db.prepare('INSERT INTO live_messages (escalation_id, author, agent_id, text, sent_at) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare<[number | bigint], Row>('SELECT * FROM live_messages WHERE id = ?'),
      delivered: db.prepare<[string, number]>('UPDATE live_messages SET delivered_at = ? WHERE id = ?'),
      list: db.prepare<[number], Row>('SELECT * FROM live_messages WHERE escalation_id = ? ORDER BY id'),
    };
  }

  add(m: { escalationId: number; author: Author; agentId?: string; text: string }, now: Date): LiveMessage {
    const text = m.author === 'resident' && this.options.redact ? redact(m.text).text : m.text;
    const { lastInsertRowid } = this.sql.insert.run(m.escalationId, m.author, m.agentId ?? null, text, now.toISOString());
    return fromRow(this.sql.get.get(lastInsertRowid)!);
  }

  markDelivered(id: number, now: Date): void {
    this.sql.delivered.run(now.toISOString(), id);
  }

  list(escalationId: number): LiveMessage[] {
    return this.sql.list.all(escalationId).map(fromRow);
  }

  // Privacy (handoff/privacy.ts): retention and erasure.

  /** Removes messages older than `cutoff` of chats that are closed (an open chat keeps its thread). */
  purge(cutoff: Date): number {
    return this.db
      .prepare("DELETE FROM live_messages WHERE sent_at < ? AND escalation_id IN (SELECT id FROM escalations WHERE status = 'closed')")
      .run(cutoff.toISOString()).changes;
  }

  erase(escalationIds: readonly number[]): number {
    const remove = this.db.prepare<[number]>('DELETE FROM live_messages WHERE escalation_id = ?');
    return escalationIds.reduce((n, id) => n + remove.run(id).changes, 0);
  }
}
