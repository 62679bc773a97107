import type { Database } from 'better-sqlite3';
import { migrate } from '../bot/db';
import type { Contact } from './contact';

/**
 * Left messages: what a resident asked the department when no one could chat (out of hours,
 * nobody on duty, overflow), how to reply to them, and the reply an agent recorded. Each message
 * is an escalation with status `message` in the queue (handoff/queue.ts); this store keeps what
 * only a left message has, and the outbox of its deliveries to the department's mailbox and
 * webhook (sent by handoff/delivery.ts).
 *
 * The outbox row is written in the same transaction as the message, with its payload built
 * there and then: a delivery can be retried for days, but it always carries what the resident
 * left. Rows are never deleted; a delivered row keeps `deliveredAt`.
 */

export type { Contact };
export type DeliveryChannel = 'email' | 'webhook';

export interface NewLeftMessage {
  escalationId: number;
  /** Already redacted by the caller (postcodes kept): it is written as given. */
  question: string;
  /** Kept as given: the department needs it to reply. */
  contact: Contact;
  replyBy?: Date;
  /** Outbox rows to create in the same transaction, one per configured channel. */
  deliveries: { channel: DeliveryChannel; payload: unknown }[];
}

export interface Answer {
  text: string;
  agentId: string;
  at: string;
}

export interface LeftMessage {
  escalationId: number;
  question: string;
  contact: Contact;
  leftAt: string;
  replyBy?: string;
  answer?: Answer;
}

export interface Delivery {
  id: number;
  escalationId: number;
  channel: DeliveryChannel;
  payload: unknown;
  /** Attempts made so far, successful or not. */
  attempts: number;
  nextAttemptAt: string;
  deliveredAt?: string;
  lastError?: string;
}

export type LeftMessageStatus = 'open' | 'answered';

export type AnswerResult =
  | { kind: 'answered'; message: LeftMessage }
  | { kind: 'already-answered'; message: LeftMessage }
  | { kind: 'not-found' };

export interface LeftMessageStore {
  /** Stores the message and its outbox rows together. */
  add(message: NewLeftMessage, now: Date): LeftMessage;
  get(escalationId: number): LeftMessage | undefined;
  /** Oldest first; all of them without a status. */
  list(status?: LeftMessageStatus): LeftMessage[];
  /** Records the reply the agent sent; only once per message. */
  answer(escalationId: number, agentId: string, text: string, now: Date): AnswerResult;
  /** The deliveries of some messages, by escalation id (every id given has an entry). */
  deliveries(escalationIds: readonly number[]): Map<number, Delivery[]>;
  /** Undelivered rows whose next attempt is due, soonest first. */
  due(now: Date, limit?: number): Delivery[];
  markDelivered(id: number, now: Date): void;
  markFailed(id: number, error: string, nextAttemptAt: Date): void;
  /**
   * Runs `work` in one transaction of the database this store shares with the queue, so a
   * message and its escalation change together (left together, answered and closed together).
   * A throw inside rolls everything back.
   */
  atomically<T>(work: () => T): T;
}

const MIGRATIONS = [
  `CREATE TABLE left_messages (
     escalation_id INTEGER PRIMARY KEY REFERENCES escalations (id),
     question TEXT NOT NULL,
     contact_kind TEXT NOT NULL CHECK (contact_kind IN ('email', 'phone')),
     contact_value TEXT NOT NULL,
     left_at TEXT NOT NULL,
     reply_by TEXT,
     answer_text TEXT,
     answered_by TEXT,
     answered_at TEXT,
     CHECK ((answer_text IS NULL) = (answered_at IS NULL))
   );
   CREATE INDEX left_messages_order ON left_messages (left_at, escalation_id);
   CREATE TABLE message_deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     escalation_id INTEGER NOT NULL REFERENCES left_messages (escalation_id),
     channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TEXT NOT NULL,
     delivered_at TEXT,
     last_error TEXT,
     UNIQUE (escalation_id, channel)
   );
   CREATE INDEX message_deliveries_due ON message_deliveries (next_attempt_at, id) WHERE delivered_at IS NULL;`,
];

interface MessageRow {
  escalation_id: number;
  question: string;
  contact_kind: Contact['kind'];
  contact_value: string;
  left_at: string;
  reply_by: string | null;
  answer_text: string | null;
  answered_by: string | null;
  answered_at: string | null;
}

interface DeliveryRow {
  id: number;
  escalation_id: number;
  channel: DeliveryChannel;
  payload: string;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
}

const messageFromRow = (r: MessageRow): LeftMessage => ({
  escalationId: r.escalation_id,
  question: r.question,
  contact: { kind: r.contact_kind, value: r.contact_value },
  leftAt: r.left_at,
  ...(r.reply_by !== null && { replyBy: r.reply_by }),
  ...(r.answer_text !== null && { answer: { text: r.answer_text, agentId: r.answered_by ?? '', at: r.answered_at ?? '' } }),
});

const deliveryFromRow = (r: DeliveryRow): Delivery => ({
  id: r.id,
  escalationId: r.escalation_id,
  channel: r.channel,
  payload: JSON.parse(r.payload) as unknown,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  ...(r.delivered_at !== null && { deliveredAt: r.delivered_at }),
  ...(r.last_error !== null && { lastError: r.last_error }),
});

/** What a forgotten contact reads as: the column is NOT NULL and its kind still says email or phone. */
export const REMOVED = '[removed]';

export class SqliteLeftMessageStore implements LeftMessageStore {
  private readonly sql;

  /** Needs the escalations table (SqliteEscalationQueue) in the same database. */
  constructor(private readonly db: Database) {
    migrate(db, 'left-messages', MIGRATIONS);
    this.sql = {
      insert: db.prepare(
        `INSERT INTO left_messages (escalation_id, question, contact_kind, contact_value, left_at, reply_by)
         VALUES (@escalationId, @question, @contactKind, @contactValue, @leftAt, @replyBy)`,
      ),
      insertDelivery: db.prepare(
        `INSERT INTO message_deliveries (escalation_id, channel, payload, next_attempt_at)
         VALUES (@escalationId, @channel, @payload, @nextAttemptAt)`,
      ),
      get: db.prepare<[number], MessageRow>('SELECT * FROM left_messages WHERE escalation_id = ?'),
      all: db.prepare<[], MessageRow>('SELECT * FROM left_messages ORDER BY left_at, escalation_id'),
      open: db.prepare<[], MessageRow>('SELECT * FROM left_messages WHERE answered_at IS NULL ORDER BY left_at, escalation_id'),
      answered: db.prepare<[], MessageRow>('SELECT * FROM left_messages WHERE answered_at IS NOT NULL ORDER BY left_at, escalation_id'),
      // The IS NULL check is in the UPDATE itself: of two agents answering at once, one wins.
      answer: db.prepare<{ id: number; text: string; agentId: string; at: string }>(
        'UPDATE left_messages SET answer_text = @text, answered_by = @agentId, answered_at = @at WHERE escalation_id = @id AND answered_at IS NULL',
      ),
      deliveriesOf: db.prepare<[number], DeliveryRow>('SELECT * FROM message_deliveries WHERE escalation_id = ? ORDER BY id'),
      due: db.prepare<{ now: string; limit: number }, DeliveryRow>(
        'SELECT * FROM message_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit',
      ),
      delivered: db.prepare<{ id: number; at: string }>(
        'UPDATE message_deliveries SET attempts = attempts + 1, delivered_at = @at WHERE id = @id AND delivered_at IS NULL',
      ),
      failed: db.prepare<{ id: number; error: string; next: string }>(
        'UPDATE message_deliveries SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id AND delivered_at IS NULL',
      ),
    };
  }

  add(m: NewLeftMessage, now: Date): LeftMessage {
    return this.atomically(() => {
      this.sql.insert.run({
        escalationId: m.escalationId,
        question: m.question,
        contactKind: m.contact.kind,
        contactValue: m.contact.value,
        leftAt: now.toISOString(),
        replyBy: m.replyBy?.toISOString() ?? null,
      });
      for (const d of m.deliveries) {
        this.sql.insertDelivery.run({ escalationId: m.escalationId, channel: d.channel, payload: JSON.stringify(d.payload), nextAttemptAt: now.toISOString() });
      }
      return this.get(m.escalationId)!;
    });
  }

  get(escalationId: number): LeftMessage | undefined {
    const row = this.sql.get.get(escalationId);
    return row && messageFromRow(row);
  }

  list(status?: LeftMessageStatus): LeftMessage[] {
    const statement = status === undefined ? this.sql.all : status === 'open' ? this.sql.open : this.sql.answered;
    return statement.all().map(messageFromRow);
  }

  answer(escalationId: number, agentId: string, text: string, now: Date): AnswerResult {
    return this.atomically((): AnswerResult => {
      const { changes } = this.sql.answer.run({ id: escalationId, text, agentId, at: now.toISOString() });
      const message = this.get(escalationId);
      if (!message) return { kind: 'not-found' };
      return changes === 1 ? { kind: 'answered', message } : { kind: 'already-answered', message };
    });
  }

  deliveries(escalationIds: readonly number[]): Map<number, Delivery[]> {
    return new Map(escalationIds.map((id) => [id, this.sql.deliveriesOf.all(id).map(deliveryFromRow)]));
  }

  due(now: Date, limit = 50): Delivery[] {
    return this.sql.due.all({ now: now.toISOString(), limit }).map(deliveryFromRow);
  }

  markDelivered(id: number, now: Date): void {
    this.sql.delivered.run({ id, at: now.toISOString() });
  }

  markFailed(id: number, error: string, nextAttemptAt: Date): void {
    this.sql.failed.run({ id, error, next: nextAttemptAt.toISOString() });
  }

  atomically<T>(work: () => T): T {
    // Nested inside another transaction, better-sqlite3 makes this a savepoint.
    return this.db.transaction(work).immediate();
  }

  // Privacy (handoff/privacy.ts): retention and erasure.

  /**
   * Messages answered before `cutoff` lose the resident's email address or phone number, and the
   * delivered copies (emails, webhook posts) that carried it; the question and answer stay.
   */
  forgetAnsweredContacts(cutoff: Date): number {
    const at = cutoff.toISOString();
    return this.db.transaction(() => {
      this.db
        .prepare('DELETE FROM message_deliveries WHERE delivered_at IS NOT NULL AND escalation_id IN (SELECT escalation_id FROM left_messages WHERE answered_at < ?)')
        .run(at);
      return this.db.prepare(`UPDATE left_messages SET contact_value = '${REMOVED}' WHERE answered_at < ? AND contact_value <> '${REMOVED}'`).run(at).changes;
    })();
  }

  erase(escalationIds: readonly number[]): number {
    const deliveries = this.db.prepare<[number]>('DELETE FROM message_deliveries WHERE escalation_id = ?');
    const messages = this.db.prepare<[number]>('DELETE FROM left_messages WHERE escalation_id = ?');
    return escalationIds.reduce((n, id) => {
      deliveries.run(id);
      return n + messages.run(id).changes;
    }, 0);
  }
}
