import { randomUUID } from 'node:crypto';
import type { Sql, StoreSchema } from '../knowledge/sql';
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

/** A sender's hold on an outbox row: only the holder of `token` may record how the send went. */
export interface DeliveryClaim {
  id: number;
  token: string;
  until: Date;
}

export type MarkResult = 'recorded' | 'not-held';

export type LeftMessageStatus = 'open' | 'answered';

export type AnswerResult =
  | { kind: 'answered'; message: LeftMessage }
  | { kind: 'already-answered'; message: LeftMessage }
  | { kind: 'not-found' };

export interface LeftMessageStore {
  /** The same store over another `Sql`: a transaction's, so its changes join it. */
  on(sql: Sql): LeftMessageStore;
  /** Stores the message and its outbox rows together. */
  add(message: NewLeftMessage, now: Date): Promise<LeftMessage>;
  get(escalationId: number): Promise<LeftMessage | undefined>;
  /** Oldest first; all of them without a status. */
  list(status?: LeftMessageStatus): Promise<LeftMessage[]>;
  /** Records the reply the agent sent; only once per message. */
  answer(escalationId: number, agentId: string, text: string, now: Date): Promise<AnswerResult>;
  /** The deliveries of some messages, by escalation id (every id given has an entry). */
  deliveries(escalationIds: readonly number[]): Promise<Map<number, Delivery[]>>;
  /** Undelivered rows whose next attempt is due, soonest first. */
  due(now: Date, limit?: number): Promise<Delivery[]>;
  /**
   * Takes a due row for one sender until `until`, under a new random token: undefined if it is
   * delivered, not due, or another sender took it first. A sender that dies mid-send leaves the
   * row due again at `until`, when another may claim it (and the first one's token stops counting).
   */
  claim(id: number, now: Date, until: Date): Promise<DeliveryClaim | undefined>;
  /**
   * Records a send: only while `token` still holds the row (without a token, only while no sender
   * holds it). `not-held` changed nothing: the claim ran out and another sender has the row.
   */
  markDelivered(id: number, now: Date, token?: string): Promise<MarkResult>;
  /** Records a failed attempt and when to try again, and frees the row; held as markDelivered. */
  markFailed(id: number, error: string, nextAttemptAt: Date, token?: string): Promise<MarkResult>;
  /**
   * Runs `work` in one transaction of the database this store shares with the queue, so a
   * message and its escalation change together (left together, answered and closed together):
   * the stores it uses must be built on the `tx` it is given (`on(tx)`). A throw inside rolls
   * everything back.
   */
  atomically<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * Who holds a row being sent (DeliveryClaim.token; NULL when nobody does). Without it a sender
 * whose claim ran out could still record its result over the next sender's claim.
 */
const CLAIM_TOKEN_MIGRATION = 'ALTER TABLE message_deliveries ADD COLUMN claim_token TEXT;';

/** Needs the escalations table (ESCALATIONS_SCHEMA) first. */
export const LEFT_MESSAGES_SCHEMA: StoreSchema = {
  store: 'left-messages',
  sqlite: [
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
    CLAIM_TOKEN_MIGRATION,
  ],
  postgres: [
    `CREATE TABLE left_messages (
       escalation_id BIGINT PRIMARY KEY REFERENCES escalations (id),
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
       id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
       escalation_id BIGINT NOT NULL REFERENCES left_messages (escalation_id),
       channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
       payload TEXT NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       next_attempt_at TEXT NOT NULL,
       delivered_at TEXT,
       last_error TEXT,
       UNIQUE (escalation_id, channel)
     );
     CREATE INDEX message_deliveries_due ON message_deliveries (next_attempt_at, id) WHERE delivered_at IS NULL;`,
    CLAIM_TOKEN_MIGRATION,
  ],
};

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
  claim_token: string | null;
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

const ORDER = 'ORDER BY left_at, escalation_id';

/**
 * The row is still the caller's: its claim token is the one given, or both are absent. Part of
 * the UPDATE itself, so a claim taken over between a send and its record wins. Tokens are UUIDs,
 * never '', so COALESCE compares NULL with NULL the same way on SQLite and PostgreSQL.
 */
const HELD = "COALESCE(claim_token, '') = COALESCE(@token, '')";

export class SqlLeftMessageStore implements LeftMessageStore {
  constructor(private readonly sql: Sql) {}

  on(sql: Sql): SqlLeftMessageStore {
    return new SqlLeftMessageStore(sql);
  }

  add(m: NewLeftMessage, now: Date): Promise<LeftMessage> {
    return this.atomically(async (tx) => {
      await tx.run(
        `INSERT INTO left_messages (escalation_id, question, contact_kind, contact_value, left_at, reply_by)
         VALUES (@escalationId, @question, @contactKind, @contactValue, @leftAt, @replyBy)`,
        {
          escalationId: m.escalationId,
          question: m.question,
          contactKind: m.contact.kind,
          contactValue: m.contact.value,
          leftAt: now.toISOString(),
          replyBy: m.replyBy?.toISOString() ?? null,
        },
      );
      for (const d of m.deliveries) {
        await tx.run(
          `INSERT INTO message_deliveries (escalation_id, channel, payload, next_attempt_at)
           VALUES (@escalationId, @channel, @payload, @nextAttemptAt)`,
          { escalationId: m.escalationId, channel: d.channel, payload: JSON.stringify(d.payload), nextAttemptAt: now.toISOString() },
        );
      }
      return (await this.on(tx).get(m.escalationId))!;
    });
  }

  async get(escalationId: number): Promise<LeftMessage | undefined> {
    const row = await this.sql.get<MessageRow>('SELECT * FROM left_messages WHERE escalation_id = ?', [escalationId]);
    return row && messageFromRow(row);
  }

  async list(status?: LeftMessageStatus): Promise<LeftMessage[]> {
    const where = status === undefined ? '' : status === 'open' ? 'WHERE answered_at IS NULL' : 'WHERE answered_at IS NOT NULL';
    return (await this.sql.all<MessageRow>(`SELECT * FROM left_messages ${where} ${ORDER}`)).map(messageFromRow);
  }

  async answer(escalationId: number, agentId: string, text: string, now: Date): Promise<AnswerResult> {
    // The IS NULL check is in the UPDATE itself: of two agents answering at once (on two
    // instances too), one changes the row and the other, after waiting for its lock, nothing.
    const row = await this.sql.get<MessageRow>(
      'UPDATE left_messages SET answer_text = @text, answered_by = @agentId, answered_at = @at WHERE escalation_id = @id AND answered_at IS NULL RETURNING *',
      { id: escalationId, text, agentId, at: now.toISOString() },
    );
    if (row) return { kind: 'answered', message: messageFromRow(row) };
    const message = await this.get(escalationId);
    return message ? { kind: 'already-answered', message } : { kind: 'not-found' };
  }

  async deliveries(escalationIds: readonly number[]): Promise<Map<number, Delivery[]>> {
    const found = new Map<number, Delivery[]>(escalationIds.map((id) => [id, []]));
    if (escalationIds.length === 0) return found;
    // One statement for the whole console list, in chunks well under either database's limit on parameters.
    for (let i = 0; i < escalationIds.length; i += 500) {
      const chunk = escalationIds.slice(i, i + 500);
      const rows = await this.sql.all<DeliveryRow>(
        `SELECT * FROM message_deliveries WHERE escalation_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY id`,
        chunk,
      );
      for (const r of rows) found.get(r.escalation_id)?.push(deliveryFromRow(r));
    }
    return found;
  }

  async due(now: Date, limit = 50): Promise<Delivery[]> {
    const rows = await this.sql.all<DeliveryRow>(
      'SELECT * FROM message_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit',
      { now: now.toISOString(), limit },
    );
    return rows.map(deliveryFromRow);
  }

  async claim(id: number, now: Date, until: Date): Promise<DeliveryClaim | undefined> {
    const token = randomUUID();
    const { changes } = await this.sql.run(
      'UPDATE message_deliveries SET next_attempt_at = @until, claim_token = @token WHERE id = @id AND delivered_at IS NULL AND next_attempt_at <= @now',
      { id, now: now.toISOString(), until: until.toISOString(), token },
    );
    return changes === 1 ? { id, token, until } : undefined;
  }

  async markDelivered(id: number, now: Date, token?: string): Promise<MarkResult> {
    const { changes } = await this.sql.run(
      `UPDATE message_deliveries SET attempts = attempts + 1, delivered_at = @at, claim_token = NULL WHERE id = @id AND delivered_at IS NULL AND ${HELD}`,
      { id, at: now.toISOString(), token: token ?? null },
    );
    return changes === 1 ? 'recorded' : 'not-held';
  }

  async markFailed(id: number, error: string, nextAttemptAt: Date, token?: string): Promise<MarkResult> {
    const { changes } = await this.sql.run(
      `UPDATE message_deliveries SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next, claim_token = NULL WHERE id = @id AND delivered_at IS NULL AND ${HELD}`,
      { id, error, next: nextAttemptAt.toISOString(), token: token ?? null },
    );
    return changes === 1 ? 'recorded' : 'not-held';
  }

  atomically<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    // Inside another transaction this joins it.
    return this.sql.transaction(work);
  }
}
