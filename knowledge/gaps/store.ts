import { createHmac, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { dateIn } from '../bins/schedule';

/**
 * Knowledge gaps: the questions the bot could not answer, or answered and heard "No" to "Did this
 * help?". Each is kept with its kind, when it was asked, the entry it was answered with (for
 * `not-helpful`) and the entry the matcher ranked first then, so editors can see what residents
 * need that the knowledge base does not say. SQL stays in this module.
 *
 * Privacy: the question must arrive redacted (bot/index.ts runs handoff/redact.ts on it; this
 * folder may not import handoff/). The conversation is kept only as a keyed hash, to count how
 * many different residents asked; the key is random per database, so the hash cannot be matched
 * to a conversation id seen elsewhere (a Teams log, say) without this database.
 */

export const GAP_KINDS = ['not-understood', 'none-of-these', 'not-helpful'] as const;
export type GapKind = (typeof GAP_KINDS)[number];

/** What the bot reports when a question goes unanswered. */
export interface UnansweredQuestion {
  kind: GapKind;
  /** The resident's words. Redacted before they reach a store. */
  question: string;
  /** The entry the resident got and said did not help (`not-helpful` only). */
  entryId?: string;
  /** The matcher's best entry for the question at the time, and its score. */
  closest?: { id: string; score: number };
}

export interface NewGap extends UnansweredQuestion {
  /** Only its keyed hash is stored. */
  conversationId?: string;
}

export interface Gap {
  id: number;
  /** ISO time it was recorded. */
  at: string;
  /** The calendar date in the council's time zone, what `--since` compares with. */
  day: string;
  kind: GapKind;
  question: string;
  /** Keyed hash of the conversation: equal for two questions from one conversation. */
  asker?: string;
  entryId?: string;
  closest?: { id: string; score: number };
}

export interface GapQuery {
  /** From this date (YYYY-MM-DD, the council's time zone), inclusive. */
  since?: string;
}

export interface GapStore {
  record(gap: NewGap, at: Date): Gap;
  /** Oldest first. */
  list(query?: GapQuery): Gap[];
}

/** bot/db.ts's `migrate`, passed in: knowledge/ depends on nothing else in Parley. */
export type Migrate = (db: Database, store: string, migrations: readonly string[]) => void;

export const GAP_MIGRATIONS: readonly string[] = [
  `CREATE TABLE knowledge_gaps (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     day TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('not-understood', 'none-of-these', 'not-helpful')),
     question TEXT NOT NULL,
     asker TEXT,
     entry_id TEXT,
     closest_id TEXT,
     closest_score REAL
   );
   CREATE INDEX knowledge_gaps_day ON knowledge_gaps (day);
   CREATE TABLE knowledge_gaps_key (key TEXT NOT NULL);`,
];

interface Row {
  id: number;
  at: string;
  day: string;
  kind: GapKind;
  question: string;
  asker: string | null;
  entry_id: string | null;
  closest_id: string | null;
  closest_score: number | null;
}

/** Questions are cut to this length: the opening says what was asked, and a row stays small. */
export const MAX_QUESTION_CHARS = 500;

export class SqliteGapStore implements GapStore {
  private readonly statements;
  private readonly key: string;
  private readonly timeZone: string;

  constructor(
    private readonly db: Database,
    options: { migrate: Migrate; timeZone: string },
  ) {
    options.migrate(db, 'knowledge-gaps', GAP_MIGRATIONS);
    this.timeZone = options.timeZone;
    // Made once per database, in a transaction so two processes starting together agree on it.
    this.key = db.transaction(() => {
      const found = db.prepare<[], { key: string }>('SELECT key FROM knowledge_gaps_key').get();
      if (found) return found.key;
      const made = randomBytes(32).toString('base64');
      db.prepare('INSERT INTO knowledge_gaps_key (key) VALUES (?)').run(made);
      return made;
    }).immediate();
    this.statements = {
      insert: db.prepare<Omit<Row, 'id'>, never>(
        `INSERT INTO knowledge_gaps (at, day, kind, question, asker, entry_id, closest_id, closest_score)
         VALUES (@at, @day, @kind, @question, @asker, @entry_id, @closest_id, @closest_score)`,
      ),
      all: db.prepare<[], Row>('SELECT * FROM knowledge_gaps ORDER BY at, id'),
      since: db.prepare<[string], Row>('SELECT * FROM knowledge_gaps WHERE day >= ? ORDER BY at, id'),
    };
  }

  record(gap: NewGap, at: Date): Gap {
    const row: Omit<Row, 'id'> = {
      at: at.toISOString(),
      day: dateIn(this.timeZone, at),
      kind: gap.kind,
      question: gap.question.slice(0, MAX_QUESTION_CHARS),
      asker: gap.conversationId === undefined ? null : createHmac('sha256', this.key).update(gap.conversationId).digest('hex').slice(0, 32),
      entry_id: gap.entryId ?? null,
      closest_id: gap.closest?.id ?? null,
      closest_score: gap.closest?.score ?? null,
    };
    const { lastInsertRowid } = this.statements.insert.run(row);
    return toGap({ id: Number(lastInsertRowid), ...row });
  }

  list(query: GapQuery = {}): Gap[] {
    const rows = query.since === undefined ? this.statements.all.all() : this.statements.since.all(query.since);
    return rows.map(toGap);
  }

  /**
   * Privacy (handoff/privacy.ts): a conversation's questions, found by its keyed hash. The
   * questions are already redacted, so retention keeps them (they hold no personal data).
   */
  erase(conversationId: string): number {
    return this.db.prepare('DELETE FROM knowledge_gaps WHERE asker = ?').run(this.askerOf(conversationId)).changes;
  }

  private askerOf(conversationId: string): string {
    return createHmac('sha256', this.key).update(conversationId).digest('hex').slice(0, 32);
  }
}

function toGap(r: Row): Gap {
  return {
    id: r.id,
    at: r.at,
    day: r.day,
    kind: r.kind,
    question: r.question,
    ...(r.asker !== null && { asker: r.asker }),
    ...(r.entry_id !== null && { entryId: r.entry_id }),
    ...(r.closest_id !== null && r.closest_score !== null && { closest: { id: r.closest_id, score: r.closest_score } }),
  };
}
