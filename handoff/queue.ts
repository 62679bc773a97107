import type { Database } from 'better-sqlite3';
import { migrate } from '../bot/db';

/**
 * The escalation queue: residents waiting for a person, chats in progress, and left messages.
 * SQL stays in this module behind the `EscalationQueue` interface, so a PostgreSQL store can
 * take its place later. Order is priority (high first), then the time the resident joined the
 * queue (`queuedAt`, kept across transfers), never last activity.
 */

export type Priority = 'normal' | 'high';
export type EscalationStatus = 'waiting' | 'active' | 'closed' | 'message';

export interface NewEscalation {
  conversationId: string;
  /** The Bot Framework conversation reference (JSON), for proactive replies to the resident. */
  reference: unknown;
  department: string;
  priority: Priority;
  /** Why the bot handed off: asked, misses, feedback, urgent, topic, lookup... */
  reason: string;
  /** The knowledge-base entry the conversation was about, if any. */
  entryId?: string;
  /** A short, already redacted summary for the queue view. */
  summary?: string;
}

export interface Escalation extends NewEscalation {
  id: number;
  status: EscalationStatus;
  queuedAt: string;
  agentId?: string;
  pickedUpAt?: string;
  closedAt?: string;
  closedBecause?: string;
  /** The resident's 1-5 rating of a closed chat, if they gave one. */
  rating?: number;
}

export type EnqueueResult =
  | { kind: 'queued'; escalation: Escalation; position: number }
  | { kind: 'already-open'; escalation: Escalation; position?: number };

export type PickupResult =
  | { kind: 'picked'; escalation: Escalation }
  | { kind: 'taken'; agentId?: string }
  | { kind: 'not-waiting'; status: EscalationStatus }
  | { kind: 'not-found' };

export type ChangeResult = { kind: 'done'; escalation: Escalation } | { kind: 'not-found' } | { kind: 'refused'; status: EscalationStatus };

export interface EscalationQueue {
  enqueue(escalation: NewEscalation, now: Date): EnqueueResult;
  get(id: number): Escalation | undefined;
  /** The waiting or active escalation of a conversation, if it has one. */
  openFor(conversationId: string): Escalation | undefined;
  /** 1-based place among the waiting escalations of its department. */
  position(id: number): number | undefined;
  /** Waiting escalations in serving order, for some departments or all. */
  waiting(departments?: readonly string[]): Escalation[];
  active(agentId?: string): Escalation[];
  /** Atomic: of several agents picking up the same escalation, exactly one gets it. */
  pickup(id: number, agentId: string, now: Date): PickupResult;
  /** Atomic: the next escalation in serving order among these departments, if any. */
  takeNext(agentId: string, departments: readonly string[], now: Date): Escalation | undefined;
  /** Back to the queue for another department; priority and place in time kept. */
  transfer(id: number, department: string): ChangeResult;
  /** Back to the queue for the same department (agent away or disconnected). */
  requeue(id: number): ChangeResult;
  /** Closes a waiting or active chat, or a left message once it has been answered. */
  close(id: number, because: string, now: Date): ChangeResult;
  /**
   * Records a left message (out of hours, nobody on duty, overflow) as an escalation with status
   * `message`: it never joins the live queue, and is closed when an agent has answered it.
   */
  leaveMessage(escalation: NewEscalation, now: Date): Escalation;
  /** Left messages still to answer, oldest first, for some departments or all. */
  messages(departments?: readonly string[]): Escalation[];
  /** Minutes from pick-up to close of the department's chats closed since `since`, newest first. */
  handlingMinutes(department: string, since: Date, limit?: number): number[];
  /** The conversation's chat closed by an agent since `since` and not yet rated, if any. */
  awaitingRating(conversationId: string, since: Date): Escalation | undefined;
  /** Stores a 1-5 rating once; false if the escalation is not closed or is already rated. */
  rate(id: number, rating: number): boolean;
  /** The resident moved on without rating: stop waiting for one. */
  declineRating(id: number): void;
}

const MIGRATIONS = [
  `CREATE TABLE escalations (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     conversation_id TEXT NOT NULL,
     reference TEXT NOT NULL,
     department TEXT NOT NULL,
     priority INTEGER NOT NULL CHECK (priority IN (0, 1)),
     reason TEXT NOT NULL,
     entry_id TEXT,
     summary TEXT,
     status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'closed', 'message')),
     queued_at TEXT NOT NULL,
     agent_id TEXT,
     picked_up_at TEXT,
     closed_at TEXT,
     closed_because TEXT
   );
   CREATE INDEX escalations_serving ON escalations (status, department, priority DESC, queued_at, id);
   CREATE INDEX escalations_conversation ON escalations (conversation_id, status);`,
  `ALTER TABLE escalations ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
   CREATE INDEX escalations_closed ON escalations (department, closed_at) WHERE status = 'closed';`,
  // Migration 2 had been committed when this was needed: a new number, never an edit.
  `ALTER TABLE escalations ADD COLUMN rating_declined INTEGER NOT NULL DEFAULT 0;`,
];

interface Row {
  id: number;
  conversation_id: string;
  reference: string;
  department: string;
  priority: number;
  reason: string;
  entry_id: string | null;
  summary: string | null;
  status: EscalationStatus;
  queued_at: string;
  agent_id: string | null;
  picked_up_at: string | null;
  closed_at: string | null;
  closed_because: string | null;
  rating: number | null;
  rating_declined: number;
}

function fromRow(r: Row): Escalation {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    reference: JSON.parse(r.reference) as unknown,
    department: r.department,
    priority: r.priority === 1 ? 'high' : 'normal',
    reason: r.reason,
    status: r.status,
    queuedAt: r.queued_at,
    ...(r.entry_id !== null && { entryId: r.entry_id }),
    ...(r.summary !== null && { summary: r.summary }),
    ...(r.agent_id !== null && { agentId: r.agent_id }),
    ...(r.picked_up_at !== null && { pickedUpAt: r.picked_up_at }),
    ...(r.closed_at !== null && { closedAt: r.closed_at }),
    ...(r.closed_because !== null && { closedBecause: r.closed_because }),
    ...(r.rating !== null && { rating: r.rating }),
  };
}

const SERVING_ORDER = 'ORDER BY priority DESC, queued_at, id';

export class SqliteEscalationQueue implements EscalationQueue {
  private readonly sql;

  constructor(private readonly db: Database) {
    migrate(db, 'escalations', MIGRATIONS);
    this.sql = {
      insert: db.prepare(
        `INSERT INTO escalations (conversation_id, reference, department, priority, reason, entry_id, summary, status, queued_at)
         VALUES (@conversationId, @reference, @department, @priority, @reason, @entryId, @summary, @status, @queuedAt)`,
      ),
      messagesAll: db.prepare<[], Row>("SELECT * FROM escalations WHERE status = 'message' ORDER BY queued_at, id"),
      handling: db.prepare<{ department: string; since: string; limit: number }, { pickedUpAt: string; closedAt: string }>(
        `SELECT picked_up_at AS pickedUpAt, closed_at AS closedAt FROM escalations
          WHERE status = 'closed' AND department = @department AND closed_at >= @since AND picked_up_at IS NOT NULL
          ORDER BY closed_at DESC LIMIT @limit`,
      ),
      awaitingRating: db.prepare<{ conversationId: string; since: string }, Row>(
        `SELECT * FROM escalations WHERE conversation_id = @conversationId AND status = 'closed' AND closed_because = 'closed-by-agent'
            AND rating IS NULL AND rating_declined = 0 AND closed_at >= @since ORDER BY closed_at DESC LIMIT 1`,
      ),
      declineRating: db.prepare<[number]>('UPDATE escalations SET rating_declined = 1 WHERE id = ? AND rating IS NULL'),
      rate: db.prepare<{ id: number; rating: number }>("UPDATE escalations SET rating = @rating WHERE id = @id AND status = 'closed' AND rating IS NULL"),
      get: db.prepare<[number], Row>('SELECT * FROM escalations WHERE id = ?'),
      openFor: db.prepare<[string], Row>(
        "SELECT * FROM escalations WHERE conversation_id = ? AND status IN ('waiting', 'active') ORDER BY id DESC LIMIT 1",
      ),
      // Ahead of an escalation: same department, waiting, earlier in serving order.
      position: db.prepare<{ id: number }, { n: number }>(
        `SELECT count(*) AS n FROM escalations o, escalations e
          WHERE e.id = @id AND o.status = 'waiting' AND o.department = e.department
            AND (o.priority > e.priority OR (o.priority = e.priority AND (o.queued_at < e.queued_at OR (o.queued_at = e.queued_at AND o.id <= e.id))))`,
      ),
      waitingAll: db.prepare<[], Row>(`SELECT * FROM escalations WHERE status = 'waiting' ${SERVING_ORDER}`),
      activeAll: db.prepare<[], Row>("SELECT * FROM escalations WHERE status = 'active' ORDER BY picked_up_at, id"),
      activeFor: db.prepare<[string], Row>("SELECT * FROM escalations WHERE status = 'active' AND agent_id = ? ORDER BY picked_up_at, id"),
      pickup: db.prepare<{ id: number; agentId: string; at: string }>(
        "UPDATE escalations SET status = 'active', agent_id = @agentId, picked_up_at = @at WHERE id = @id AND status = 'waiting'",
      ),
      requeue: db.prepare<{ id: number; department: string }>(
        "UPDATE escalations SET status = 'waiting', department = @department, agent_id = NULL, picked_up_at = NULL WHERE id = @id AND status IN ('waiting', 'active')",
      ),
      close: db.prepare<{ id: number; because: string; at: string }>(
        "UPDATE escalations SET status = 'closed', closed_at = @at, closed_because = @because WHERE id = @id AND status IN ('waiting', 'active', 'message')",
      ),
    };
  }

  enqueue(e: NewEscalation, now: Date): EnqueueResult {
    return this.db
      .transaction((): EnqueueResult => {
        const open = this.openFor(e.conversationId);
        if (open) return { kind: 'already-open', escalation: open, position: this.position(open.id) };
        const escalation = this.insert(e, 'waiting', now);
        return { kind: 'queued', escalation, position: this.position(escalation.id)! };
      })
      .immediate();
  }

  leaveMessage(e: NewEscalation, now: Date): Escalation {
    return this.insert(e, 'message', now);
  }

  messages(departments?: readonly string[]): Escalation[] {
    const all = this.sql.messagesAll.all().map(fromRow);
    return departments ? all.filter((e) => departments.includes(e.department)) : all;
  }

  handlingMinutes(department: string, since: Date, limit = 20): number[] {
    // Exact milliseconds in JavaScript: julianday() arithmetic turns 6 minutes into 6.0000001.
    return this.sql.handling.all({ department, since: since.toISOString(), limit }).map((r) => (Date.parse(r.closedAt) - Date.parse(r.pickedUpAt)) / 60_000);
  }

  awaitingRating(conversationId: string, since: Date): Escalation | undefined {
    const row = this.sql.awaitingRating.get({ conversationId, since: since.toISOString() });
    return row && fromRow(row);
  }

  rate(id: number, rating: number): boolean {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new RangeError(`A rating is a whole number from 1 to 5 (got ${rating})`);
    return this.sql.rate.run({ id, rating }).changes === 1;
  }

  declineRating(id: number): void {
    this.sql.declineRating.run(id);
  }

  private insert(e: NewEscalation, status: 'waiting' | 'message', now: Date): Escalation {
    const { lastInsertRowid } = this.sql.insert.run({
      conversationId: e.conversationId,
      reference: JSON.stringify(e.reference ?? null),
      department: e.department,
      priority: e.priority === 'high' ? 1 : 0,
      reason: e.reason,
      entryId: e.entryId ?? null,
      summary: e.summary ?? null,
      status,
      queuedAt: now.toISOString(),
    });
    return this.get(Number(lastInsertRowid))!;
  }

  get(id: number): Escalation | undefined {
    const row = this.sql.get.get(id);
    return row && fromRow(row);
  }

  openFor(conversationId: string): Escalation | undefined {
    const row = this.sql.openFor.get(conversationId);
    return row && fromRow(row);
  }

  position(id: number): number | undefined {
    const e = this.get(id);
    if (!e || e.status !== 'waiting') return undefined;
    return this.sql.position.get({ id })?.n;
  }

  waiting(departments?: readonly string[]): Escalation[] {
    const all = this.sql.waitingAll.all().map(fromRow);
    return departments ? all.filter((e) => departments.includes(e.department)) : all;
  }

  active(agentId?: string): Escalation[] {
    return (agentId === undefined ? this.sql.activeAll.all() : this.sql.activeFor.all(agentId)).map(fromRow);
  }

  pickup(id: number, agentId: string, now: Date): PickupResult {
    return this.db
      .transaction((): PickupResult => {
        // The status check is in the UPDATE itself: whoever runs it second changes nothing.
        const { changes } = this.sql.pickup.run({ id, agentId, at: now.toISOString() });
        const e = this.get(id);
        if (!e) return { kind: 'not-found' };
        if (changes === 1) return { kind: 'picked', escalation: e };
        if (e.status === 'active') return { kind: 'taken', ...(e.agentId !== undefined && { agentId: e.agentId }) };
        return { kind: 'not-waiting', status: e.status };
      })
      .immediate();
  }

  takeNext(agentId: string, departments: readonly string[], now: Date): Escalation | undefined {
    return this.db
      .transaction(() => {
        const next = this.waiting(departments)[0];
        if (!next) return undefined;
        this.sql.pickup.run({ id: next.id, agentId, at: now.toISOString() });
        return this.get(next.id);
      })
      .immediate();
  }

  transfer(id: number, department: string): ChangeResult {
    return this.change(id, () => this.sql.requeue.run({ id, department }).changes);
  }

  requeue(id: number): ChangeResult {
    const e = this.get(id);
    return e ? this.transfer(id, e.department) : { kind: 'not-found' };
  }

  close(id: number, because: string, now: Date): ChangeResult {
    return this.change(id, () => this.sql.close.run({ id, because, at: now.toISOString() }).changes);
  }

  private change(id: number, update: () => number): ChangeResult {
    return this.db
      .transaction((): ChangeResult => {
        const changed = update();
        const e = this.get(id);
        if (!e) return { kind: 'not-found' };
        return changed === 1 ? { kind: 'done', escalation: e } : { kind: 'refused', status: e.status };
      })
      .immediate();
  }

  // Privacy (handoff/privacy.ts): retention and erasure.

  /** Every escalation of a conversation, whatever its status. */
  idsFor(conversationId: string): number[] {
    return this.db.prepare<[string], { id: number }>('SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id').all(conversationId).map((r) => r.id);
  }

  /**
   * Chats closed before `cutoff` lose the resident's conversation reference (their channel address)
   * and the summary in their words; the rest (department, times, rating) stays for the records.
   */
  forgetClosed(cutoff: Date): number {
    return this.db
      .prepare("UPDATE escalations SET reference = '{}', summary = NULL WHERE status = 'closed' AND closed_at < ? AND (reference <> '{}' OR summary IS NOT NULL)")
      .run(cutoff.toISOString()).changes;
  }

  /** Removes escalations outright; their live and left messages must go first (foreign keys). */
  erase(ids: readonly number[]): number {
    const remove = this.db.prepare<[number]>('DELETE FROM escalations WHERE id = ?');
    return ids.reduce((n, id) => n + remove.run(id).changes, 0);
  }
}
