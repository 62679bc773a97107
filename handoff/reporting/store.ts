import { createHmac, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { migrate } from '../../bot/db';
import { conversationEventSchema, deskEventSchema, type ConversationEvent, type DeskRecord, type StoredEvent } from './events';

/**
 * The reporting events on SQLite. SQL stays in this module, behind `ReportEventStore`, so a
 * PostgreSQL store can take its place. Rows are append-only.
 *
 * Privacy: an event holds no resident's words. The conversation id is kept only as a keyed hash,
 * enough to tell one conversation's steps from another's; the key is random per database, so the
 * hash cannot be matched to a conversation id seen in another system's logs without this database.
 */

export interface EventRange {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface ReportEventStore {
  recordConversation(conversationId: string, event: ConversationEvent, at: Date): void;
  recordDesk(event: DeskRecord, at: Date): void;
  /** The events in the range, oldest first (in the order recorded when two share a time). */
  list(range: EventRange): StoredEvent[];
}

/** A stored row that no longer reads as an event: a bug or a hand edit, never skipped silently. */
export class BadEventRowError extends Error {
  constructor(
    readonly rowId: number,
    reason: string,
  ) {
    super(`Reporting event row ${rowId} is not a valid event: ${reason}`);
    this.name = 'BadEventRowError';
  }
}

const MIGRATIONS = [
  `CREATE TABLE report_events (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     type TEXT NOT NULL,
     conversation TEXT,
     escalation INTEGER,
     department TEXT,
     data TEXT NOT NULL
   );
   CREATE INDEX report_events_at ON report_events (at, id);
   CREATE TABLE report_events_key (key TEXT NOT NULL);`,
];

interface Row {
  id: number;
  at: string;
  conversation: string | null;
  data: string;
}

export class SqliteReportEventStore implements ReportEventStore {
  private readonly sql;
  private readonly key: string;

  constructor(db: Database) {
    migrate(db, 'events', MIGRATIONS);
    // Made once per database, in a transaction so two processes starting together agree on it.
    this.key = db
      .transaction(() => {
        const found = db.prepare<[], { key: string }>('SELECT key FROM report_events_key').get();
        if (found) return found.key;
        const made = randomBytes(32).toString('base64');
        db.prepare('INSERT INTO report_events_key (key) VALUES (?)').run(made);
        return made;
      })
      .immediate();
    this.sql = {
      insert: db.prepare<{ at: string; type: string; conversation: string | null; escalation: number | null; department: string | null; data: string }>(
        `INSERT INTO report_events (at, type, conversation, escalation, department, data)
         VALUES (@at, @type, @conversation, @escalation, @department, @data)`,
      ),
      range: db.prepare<{ from: string; to: string }, Row>('SELECT id, at, conversation, data FROM report_events WHERE at >= @from AND at < @to ORDER BY at, id'),
    };
  }

  recordConversation(conversationId: string, event: ConversationEvent, at: Date): void {
    const valid = conversationEventSchema.parse(event);
    const conversation = createHmac('sha256', this.key).update(conversationId).digest('hex').slice(0, 32);
    this.sql.insert.run({
      at: at.toISOString(),
      type: valid.type,
      conversation,
      escalation: null,
      department: 'department' in valid ? valid.department : null,
      data: JSON.stringify(valid),
    });
  }

  recordDesk(event: DeskRecord, at: Date): void {
    const valid = deskEventSchema.parse(event);
    this.sql.insert.run({ at: at.toISOString(), type: valid.type, conversation: null, escalation: valid.escalation, department: valid.department, data: JSON.stringify(valid) });
  }

  list({ from, to }: EventRange): StoredEvent[] {
    return this.sql.range.all({ from: from.toISOString(), to: to.toISOString() }).map(fromRow);
  }
}

function fromRow(row: Row): StoredEvent {
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch (err) {
    throw new BadEventRowError(row.id, (err as Error).message);
  }
  const parsed = row.conversation === null ? deskEventSchema.safeParse(data) : conversationEventSchema.safeParse(data);
  if (!parsed.success) throw new BadEventRowError(row.id, parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; '));
  return row.conversation === null ? { ...(parsed.data as DeskRecord), at: row.at } : { ...(parsed.data as ConversationEvent), at: row.at, conversation: row.conversation };
}
