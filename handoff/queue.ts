import type { Sql, SqlValue, StoreSchema } from '../knowledge/sql';

/**
 * The escalation queue: residents waiting for a person, chats in progress, and left messages.
 * SQL stays in this module behind the `EscalationQueue` interface; the same statements run on
 * SQLite and PostgreSQL. Several instances may share one PostgreSQL, so every change is one
 * conditional statement (checked by what it changed or returned), never a read then a write. Order is priority (high first), then the time the resident joined the
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

/**
 * `changed`: the caller said what it had read (`Seen`) and someone else has changed the chat since
 * (picked it up, returned or transferred it); `status` and `agentId` are what it is now.
 */
export type ChangeResult =
  | { kind: 'done'; escalation: Escalation }
  | { kind: 'not-found' }
  | { kind: 'refused'; status: EscalationStatus }
  | { kind: 'changed'; status: EscalationStatus; agentId?: string };

/** What a caller read of an escalation before deciding to change it: the change waits on it. */
export type Seen = Pick<Escalation, 'status' | 'agentId'>;

export interface EscalationQueue {
  /** The same queue over another `Sql`: a transaction's, so its changes join it. */
  on(sql: Sql): EscalationQueue;
  enqueue(escalation: NewEscalation, now: Date): Promise<EnqueueResult>;
  get(id: number): Promise<Escalation | undefined>;
  /** The waiting or active escalation of a conversation, if it has one. */
  openFor(conversationId: string): Promise<Escalation | undefined>;
  /** 1-based place among the waiting escalations of its department. */
  position(id: number): Promise<number | undefined>;
  /** Waiting escalations in serving order, for some departments or all. */
  waiting(departments?: readonly string[]): Promise<Escalation[]>;
  active(agentId?: string): Promise<Escalation[]>;
  /** Atomic: of several agents picking up the same escalation, exactly one gets it. */
  pickup(id: number, agentId: string, now: Date): Promise<PickupResult>;
  /** Atomic: the next escalation in serving order among these departments, if any. */
  takeNext(agentId: string, departments: readonly string[], now: Date): Promise<Escalation | undefined>;
  /**
   * Back to the queue for another department; priority and place in time kept. With `seen`, only
   * if the chat is still as the caller read it (else `changed`, or `refused` once closed).
   */
  transfer(id: number, department: string, seen?: Seen): Promise<ChangeResult>;
  /** Back to the queue for the same department (agent away or disconnected): only while `agentId` still has it. */
  requeue(id: number, agentId: string): Promise<ChangeResult>;
  /** Closes a waiting or active chat, or a left message once it has been answered; `seen` as for `transfer`. */
  close(id: number, because: string, now: Date, seen?: Seen): Promise<ChangeResult>;
  /**
   * Records a left message (out of hours, nobody on duty, overflow) as an escalation with status
   * `message`: it never joins the live queue, and is closed when an agent has answered it.
   */
  leaveMessage(escalation: NewEscalation, now: Date): Promise<Escalation>;
  /** Left messages still to answer, oldest first, for some departments or all. */
  messages(departments?: readonly string[]): Promise<Escalation[]>;
  /** Minutes from pick-up to close of the department's chats closed since `since`, newest first. */
  handlingMinutes(department: string, since: Date, limit?: number): Promise<number[]>;
  /**
   * For a resident's every message, in one query: the conversation's open escalation (as
   * `openFor`), and its chat an agent closed since `ratingSince` that is not yet rated, if any.
   * They decide whether the message goes to a person, to the rating, or to the bot.
   */
  forResident(conversationId: string, ratingSince: Date): Promise<{ open?: Escalation; awaitingRating?: Escalation }>;
  /** Stores a 1-5 rating once; false if the escalation is not closed or is already rated. */
  rate(id: number, rating: number): Promise<boolean>;
  /** The resident moved on without rating: stop waiting for one. */
  declineRating(id: number): Promise<void>;
}

export const ESCALATIONS_SCHEMA: StoreSchema = {
  store: 'escalations',
  sqlite: [
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
  // One open chat per conversation, kept by the database itself: two instances enqueueing the
  // same resident at once both insert, and the second finds the first (ON CONFLICT).
  `CREATE UNIQUE INDEX escalations_one_open ON escalations (conversation_id) WHERE status IN ('waiting', 'active');`,
  ],
  postgres: [
    `CREATE TABLE escalations (
       id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
       closed_because TEXT,
       rating INTEGER CHECK (rating BETWEEN 1 AND 5),
       rating_declined INTEGER NOT NULL DEFAULT 0
     );
     CREATE INDEX escalations_serving ON escalations (status, department, priority DESC, queued_at, id);
     CREATE INDEX escalations_conversation ON escalations (conversation_id, status);
     CREATE INDEX escalations_closed ON escalations (department, closed_at) WHERE status = 'closed';
     CREATE UNIQUE INDEX escalations_one_open ON escalations (conversation_id) WHERE status IN ('waiting', 'active');`,
  ],
};

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
const OPEN = "status IN ('waiting', 'active')";
/** A chat an agent closed at or after `@since` whose resident has neither rated it nor moved on. */
const AWAITING_RATING = "status = 'closed' AND closed_because = 'closed-by-agent' AND rating IS NULL AND rating_declined = 0 AND closed_at >= @since";

/** `?, ?, ?` for an IN list of `n` values. */
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class SqlEscalationQueue implements EscalationQueue {
  constructor(private readonly sql: Sql) {}

  on(sql: Sql): SqlEscalationQueue {
    return new SqlEscalationQueue(sql);
  }

  async enqueue(e: NewEscalation, now: Date): Promise<EnqueueResult> {
    // The unique index on open escalations decides: of two enqueues at once, one inserts and the
    // other inserts nothing and finds it. Should that one close in between, try again.
    for (;;) {
      const inserted = await this.insert(e, 'waiting', now);
      if (inserted) return { kind: 'queued', escalation: inserted, position: (await this.position(inserted.id)) ?? 1 };
      const open = await this.openFor(e.conversationId);
      if (open) {
        const position = await this.position(open.id);
        return { kind: 'already-open', escalation: open, ...(position !== undefined && { position }) };
      }
    }
  }

  async leaveMessage(e: NewEscalation, now: Date): Promise<Escalation> {
    const row = await this.insert(e, 'message', now);
    // A message is never open, so the unique index cannot refuse it.
    if (!row) throw new Error(`Left message of conversation ${e.conversationId} was not stored`);
    return row;
  }

  async messages(departments?: readonly string[]): Promise<Escalation[]> {
    const all = (await this.sql.all<Row>("SELECT * FROM escalations WHERE status = 'message' ORDER BY queued_at, id")).map(fromRow);
    return departments ? all.filter((e) => departments.includes(e.department)) : all;
  }

  async handlingMinutes(department: string, since: Date, limit = 20): Promise<number[]> {
    const rows = await this.sql.all<{ pickedUpAt: string; closedAt: string }>(
      `SELECT picked_up_at AS "pickedUpAt", closed_at AS "closedAt" FROM escalations
        WHERE status = 'closed' AND department = @department AND closed_at >= @since AND picked_up_at IS NOT NULL
        ORDER BY closed_at DESC LIMIT @limit`,
      { department, since: since.toISOString(), limit },
    );
    // Exact milliseconds in JavaScript: julianday() arithmetic turns 6 minutes into 6.0000001.
    return rows.map((r) => (Date.parse(r.closedAt) - Date.parse(r.pickedUpAt)) / 60_000);
  }

  async forResident(conversationId: string, ratingSince: Date): Promise<{ open?: Escalation; awaitingRating?: Escalation }> {
    const rows = await this.sql.all<Row>(
      `SELECT * FROM escalations WHERE conversation_id = @conversationId AND (${OPEN} OR (${AWAITING_RATING})) ORDER BY id DESC`,
      { conversationId, since: ratingSince.toISOString() },
    );
    const open = rows.find((r) => r.status === 'waiting' || r.status === 'active');
    // The one closed last, if several are awaiting a rating.
    const awaiting = rows.filter((r) => r.status === 'closed').reduce<Row | undefined>((last, r) => (!last || r.closed_at! > last.closed_at! ? r : last), undefined);
    return { ...(open && { open: fromRow(open) }), ...(awaiting && { awaitingRating: fromRow(awaiting) }) };
  }

  async rate(id: number, rating: number): Promise<boolean> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new RangeError(`A rating is a whole number from 1 to 5 (got ${rating})`);
    const { changes } = await this.sql.run("UPDATE escalations SET rating = @rating WHERE id = @id AND status = 'closed' AND rating IS NULL", { id, rating });
    return changes === 1;
  }

  async declineRating(id: number): Promise<void> {
    await this.sql.run('UPDATE escalations SET rating_declined = 1 WHERE id = ? AND rating IS NULL', [id]);
  }

  /** The new row, or undefined when the conversation already has an open escalation. */
  private async insert(e: NewEscalation, status: 'waiting' | 'message', now: Date): Promise<Escalation | undefined> {
    const row = await this.sql.get<Row>(
      `INSERT INTO escalations (conversation_id, reference, department, priority, reason, entry_id, summary, status, queued_at)
       VALUES (@conversationId, @reference, @department, @priority, @reason, @entryId, @summary, @status, @queuedAt)
       ON CONFLICT (conversation_id) WHERE ${OPEN} DO NOTHING
       RETURNING *`,
      {
        conversationId: e.conversationId,
        reference: JSON.stringify(e.reference ?? null),
        department: e.department,
        priority: e.priority === 'high' ? 1 : 0,
        reason: e.reason,
        entryId: e.entryId ?? null,
        summary: e.summary ?? null,
        status,
        queuedAt: now.toISOString(),
      },
    );
    return row && fromRow(row);
  }

  async get(id: number): Promise<Escalation | undefined> {
    const row = await this.sql.get<Row>('SELECT * FROM escalations WHERE id = ?', [id]);
    return row && fromRow(row);
  }

  async openFor(conversationId: string): Promise<Escalation | undefined> {
    const row = await this.sql.get<Row>(`SELECT * FROM escalations WHERE conversation_id = ? AND ${OPEN} ORDER BY id DESC LIMIT 1`, [conversationId]);
    return row && fromRow(row);
  }

  async position(id: number): Promise<number | undefined> {
    // Ahead of an escalation: same department, waiting, earlier in serving order (itself included,
    // so a waiting escalation counts at least 1 and anything else 0).
    const row = await this.sql.get<{ n: number }>(
      `SELECT count(*) AS n FROM escalations o, escalations e
        WHERE e.id = @id AND e.status = 'waiting' AND o.status = 'waiting' AND o.department = e.department
          AND (o.priority > e.priority OR (o.priority = e.priority AND (o.queued_at < e.queued_at OR (o.queued_at = e.queued_at AND o.id <= e.id))))`,
      { id },
    );
    return row && row.n > 0 ? row.n : undefined;
  }

  async waiting(departments?: readonly string[]): Promise<Escalation[]> {
    const all = (await this.sql.all<Row>(`SELECT * FROM escalations WHERE status = 'waiting' ${SERVING_ORDER}`)).map(fromRow);
    return departments ? all.filter((e) => departments.includes(e.department)) : all;
  }

  async active(agentId?: string): Promise<Escalation[]> {
    const rows =
      agentId === undefined
        ? await this.sql.all<Row>("SELECT * FROM escalations WHERE status = 'active' ORDER BY picked_up_at, id")
        : await this.sql.all<Row>("SELECT * FROM escalations WHERE status = 'active' AND agent_id = ? ORDER BY picked_up_at, id", [agentId]);
    return rows.map(fromRow);
  }

  async pickup(id: number, agentId: string, now: Date): Promise<PickupResult> {
    // The status check is in the UPDATE itself: on PostgreSQL the second of two instances waits
    // for the first's row lock, then finds the row no longer waiting and changes nothing.
    const picked = await this.pickupIfWaiting(id, agentId, now);
    if (picked) return { kind: 'picked', escalation: picked };
    const e = await this.get(id);
    if (!e) return { kind: 'not-found' };
    if (e.status === 'active') return { kind: 'taken', ...(e.agentId !== undefined && { agentId: e.agentId }) };
    return { kind: 'not-waiting', status: e.status };
  }

  async takeNext(agentId: string, departments: readonly string[], now: Date): Promise<Escalation | undefined> {
    if (departments.length === 0) return undefined;
    // Serving order, strictly: the first waiting one, picked up only if it still waits. Losing it
    // to another agent means someone else moved the queue on, so look again.
    for (;;) {
      const next = await this.sql.get<{ id: number }>(
        `SELECT id FROM escalations WHERE status = 'waiting' AND department IN (${placeholders(departments.length)}) ${SERVING_ORDER} LIMIT 1`,
        [...departments],
      );
      if (!next) return undefined;
      const picked = await this.pickupIfWaiting(next.id, agentId, now);
      if (picked) return picked;
    }
  }

  private async pickupIfWaiting(id: number, agentId: string, now: Date): Promise<Escalation | undefined> {
    const row = await this.sql.get<Row>(
      "UPDATE escalations SET status = 'active', agent_id = @agentId, picked_up_at = @at WHERE id = @id AND status = 'waiting' RETURNING *",
      { id, agentId, at: now.toISOString() },
    );
    return row && fromRow(row);
  }

  transfer(id: number, department: string, seen?: Seen): Promise<ChangeResult> {
    return this.change(
      id,
      "UPDATE escalations SET status = 'waiting', department = @department, agent_id = NULL, picked_up_at = NULL WHERE id = @id AND " + OPEN,
      { id, department },
      seen,
    );
  }

  requeue(id: number, agentId: string): Promise<ChangeResult> {
    // Its own department as it is now, in the same statement: a transfer meanwhile is not undone.
    // Only while this agent still has it: two instances returning the same agent's chats (the
    // grace sweep, a sign-out) move each chat once, and a chat another agent picked up stays theirs.
    return this.change(
      id,
      "UPDATE escalations SET status = 'waiting', agent_id = NULL, picked_up_at = NULL WHERE id = @id AND status = 'active' AND agent_id = @agentId",
      { id, agentId },
      { status: 'active', agentId },
    );
  }

  close(id: number, because: string, now: Date, seen?: Seen): Promise<ChangeResult> {
    return this.change(
      id,
      "UPDATE escalations SET status = 'closed', closed_at = @at, closed_because = @because WHERE id = @id AND status IN ('waiting', 'active', 'message')",
      { id, because, at: now.toISOString() },
      seen,
    );
  }

  /**
   * One conditional UPDATE ... RETURNING: done with the row it changed, else why not. With `seen`
   * the row must also still have the status and agent the caller read: a decision made on a
   * stale read (another instance picked the chat up meanwhile) changes nothing.
   */
  private async change(id: number, update: string, params: Readonly<Record<string, SqlValue>>, seen?: Seen): Promise<ChangeResult> {
    const unchanged = seen ? ` AND status = @seenStatus AND agent_id ${this.sameAs} @seenAgent` : '';
    const row = await this.sql.get<Row>(`${update}${unchanged} RETURNING *`, seen ? { ...params, seenStatus: seen.status, seenAgent: seen.agentId ?? null } : params);
    if (row) return { kind: 'done', escalation: fromRow(row) };
    const e = await this.get(id);
    if (!e) return { kind: 'not-found' };
    // Closed is final whatever was seen: the caller's answer is the same as before.
    if (!seen || e.status === 'closed' || (e.status === seen.status && e.agentId === seen.agentId)) return { kind: 'refused', status: e.status };
    return { kind: 'changed', status: e.status, ...(e.agentId !== undefined && { agentId: e.agentId }) };
  }

  /** NULL-safe equality. SQLite accepts `IS NOT DISTINCT FROM` only from 3.39; its `IS` works in every version. */
  private get sameAs(): string {
    return this.sql.dialect === 'postgres' ? 'IS NOT DISTINCT FROM' : 'IS';
  }
}
