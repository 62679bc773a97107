import type { Activity, PagedResult, TranscriptInfo, TranscriptStore } from 'botbuilder';
import { z } from 'zod';
import { migrate, type Db } from '../bot/db';
import { redact } from './redact';

/** Activities and conversations per page, as in botbuilder's own transcript stores. */
export const PAGE_SIZE = 20;

const MIGRATIONS = [
  // `seq` is the order of writing, which is the order of the conversation: the logger writes a
  // turn's activities in turn order, while `timestamp` mixes the channel's clock (incoming) with
  // the bot's (outgoing) and can put a reply before its question. AUTOINCREMENT so a seq is never
  // reused after a delete: continuation tokens are seqs.
  `CREATE TABLE transcript_activities (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     channel_id TEXT NOT NULL,
     conversation_id TEXT NOT NULL,
     activity_id TEXT,
     timestamp TEXT NOT NULL,
     from_id TEXT,
     from_role TEXT,
     recipient_id TEXT,
     doc TEXT NOT NULL
   );
   CREATE INDEX transcript_activities_by_conversation ON transcript_activities (channel_id, conversation_id, seq);`,
];

/** An activity the store cannot file: says which field and, when known, which activity. */
export class InvalidActivityError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly activityId?: string,
  ) {
    super(`Transcript: cannot log activity${activityId ? ` ${activityId}` : ''}: ${field}: ${reason}`);
    this.name = 'InvalidActivityError';
  }
}

/** A bad argument to a read or delete (missing id, a token this store did not issue, a bad date). */
export class TranscriptArgumentError extends Error {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`Transcript: ${argument}: ${reason}`);
    this.name = 'TranscriptArgumentError';
  }
}

export interface SqliteTranscriptStoreOptions {
  /** Redact personal data before writing (default true). A council may turn it off by setting. */
  redact?: boolean;
  /** Keep postcodes in this activity (e.g. it went to the bin-day lookup). Default: never. */
  keepPostcodes?: (activity: Readonly<Activity>) => boolean;
  /** Timestamp for an activity logged without one. */
  now?: () => Date;
}

/** botbuilder's TranscriptStore plus what the console needs: a whole conversation at once. */
export interface ConversationTranscriptStore extends TranscriptStore {
  transcriptOf(channelId: string, conversationId: string): Promise<Activity[]>;
}

// Only what filing needs; everything else in the activity is stored as it is.
const loggable = z.looseObject({
  id: z.string().nullish(),
  channelId: z.string().min(1),
  conversation: z.looseObject({ id: z.string().min(1) }),
  timestamp: z.union([z.date(), z.string()]).nullish(),
  from: z.looseObject({ id: z.string().nullish(), role: z.string().nullish() }).nullish(),
  recipient: z.looseObject({ id: z.string().nullish(), role: z.string().nullish() }).nullish(),
});

const continuationToken = z.string().regex(/^[1-9][0-9]{0,15}$/, 'expected the token of a previous page');

// botbuilder declares `continuationToken: string`, but its own stores return undefined on the
// last page and callers loop `while (token)`; do the same, with the cast in this one place.
const NO_MORE_PAGES = undefined as unknown as string;

type Row = { seq: number; doc: string };

/**
 * botbuilder's TranscriptStore on SQLite: each activity as JSON beside its channel, conversation,
 * timestamp and sequence, personal data redacted before it is written (see ./redact.ts).
 *
 * Roles: TranscriptLoggerMiddleware marks the resident's activity `from.role = 'user'` but leaves
 * the bot's own replies without a role. This store fills in 'bot' when it can tell: the recipient
 * is marked 'user', or the sender is the recipient of a user activity already logged in this
 * conversation (the bot's id on that channel). Otherwise the role stays unset. The caller's
 * activity is never modified; the middleware shares `from` objects with the live turn.
 */
export class SqliteTranscriptStore implements ConversationTranscriptStore {
  private readonly insert;
  private readonly isBotId;
  private readonly page;
  private readonly all;
  private readonly conversations;
  private readonly remove;
  private readonly redactText: boolean;
  private readonly keepPostcodes: (activity: Readonly<Activity>) => boolean;
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    options: SqliteTranscriptStoreOptions = {},
  ) {
    migrate(db, 'transcripts', MIGRATIONS);
    this.redactText = options.redact ?? true;
    this.keepPostcodes = options.keepPostcodes ?? (() => false);
    this.now = options.now ?? (() => new Date());

    this.insert = db.prepare(
      `INSERT INTO transcript_activities (channel_id, conversation_id, activity_id, timestamp, from_id, from_role, recipient_id, doc)
       VALUES (@channelId, @conversationId, @activityId, @timestamp, @fromId, @fromRole, @recipientId, @doc)`,
    );
    this.isBotId = db.prepare<{ channelId: string; conversationId: string; id: string }, { one: number }>(
      `SELECT 1 AS one FROM transcript_activities
       WHERE channel_id = @channelId AND conversation_id = @conversationId AND from_role = 'user' AND recipient_id = @id LIMIT 1`,
    );
    this.page = db.prepare<{ channelId: string; conversationId: string; after: number; since: string; limit: number }, Row>(
      `SELECT seq, doc FROM transcript_activities
       WHERE channel_id = @channelId AND conversation_id = @conversationId AND seq > @after AND timestamp >= @since
       ORDER BY seq LIMIT @limit`,
    );
    this.all = db.prepare<{ channelId: string; conversationId: string }, Row>(
      `SELECT seq, doc FROM transcript_activities WHERE channel_id = @channelId AND conversation_id = @conversationId ORDER BY seq`,
    );
    // A conversation is listed at its first activity; its position there is its token.
    this.conversations = db.prepare<
      { channelId: string; after: number; limit: number },
      { conversationId: string; firstSeq: number; timestamp: string }
    >(
      `SELECT f.conversation_id AS conversationId, f.first_seq AS firstSeq, a.timestamp
       FROM (SELECT conversation_id, min(seq) AS first_seq FROM transcript_activities
             WHERE channel_id = @channelId GROUP BY conversation_id) f
       JOIN transcript_activities a ON a.seq = f.first_seq
       WHERE f.first_seq > @after
       ORDER BY f.first_seq LIMIT @limit`,
    );
    this.remove = db.prepare('DELETE FROM transcript_activities WHERE channel_id = @channelId AND conversation_id = @conversationId');
  }

  async logActivity(activity: Activity): Promise<void> {
    const parsed = loggable.safeParse(activity);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InvalidActivityError(issue.path.join('.') || 'activity', issue.message, typeof activity?.id === 'string' ? activity.id : undefined);
    }
    const a = parsed.data;
    const at = a.timestamp ? new Date(a.timestamp) : this.now();
    if (Number.isNaN(at.getTime())) throw new InvalidActivityError('timestamp', `not a date: ${String(a.timestamp)}`, a.id ?? undefined);

    const fromRole = a.from?.role || this.inferBotRole(a.channelId, a.conversation.id, a.from?.id, a.recipient?.role);
    const doc: Record<string, unknown> = { ...activity, timestamp: at.toISOString() };
    if (a.from && fromRole && fromRole !== a.from.role) doc.from = { ...a.from, role: fromRole };
    if (this.redactText) Object.assign(doc, this.redacted(activity));

    this.insert.run({
      channelId: a.channelId,
      conversationId: a.conversation.id,
      activityId: a.id ?? null,
      timestamp: at.toISOString(),
      fromId: a.from?.id ?? null,
      fromRole: fromRole ?? null,
      recipientId: a.recipient?.id ?? null,
      doc: JSON.stringify(doc),
    });
  }

  async getTranscriptActivities(
    channelId: string,
    conversationId: string,
    continuationToken?: string,
    startDate?: Date,
  ): Promise<PagedResult<Activity>> {
    requireId('channelId', channelId);
    requireId('conversationId', conversationId);
    if (startDate !== undefined && !(startDate instanceof Date && !Number.isNaN(startDate.getTime()))) {
      throw new TranscriptArgumentError('startDate', 'not a valid date');
    }
    const rows = this.page.all({
      channelId,
      conversationId,
      after: parseToken(continuationToken),
      // Timestamps are stored as toISOString() (fixed width, UTC), so text order is time order.
      since: startDate ? startDate.toISOString() : '',
      limit: PAGE_SIZE + 1,
    });
    return pageOf(rows, (r) => r.seq, toActivity);
  }

  async listTranscripts(channelId: string, continuationToken?: string): Promise<PagedResult<TranscriptInfo>> {
    requireId('channelId', channelId);
    const rows = this.conversations.all({ channelId, after: parseToken(continuationToken), limit: PAGE_SIZE + 1 });
    return pageOf(
      rows,
      (r) => r.firstSeq,
      (r) => ({ channelId, id: r.conversationId, created: new Date(r.timestamp) }),
    );
  }

  async deleteTranscript(channelId: string, conversationId: string): Promise<void> {
    requireId('channelId', channelId);
    requireId('conversationId', conversationId);
    this.remove.run({ channelId, conversationId });
  }

  /** Every activity of one conversation, in the order it happened (for the duty officers' console). */
  async transcriptOf(channelId: string, conversationId: string): Promise<Activity[]> {
    requireId('channelId', channelId);
    requireId('conversationId', conversationId);
    return this.all.all({ channelId, conversationId }).map(toActivity);
  }

  private inferBotRole(channelId: string, conversationId: string, fromId?: string | null, recipientRole?: string | null): 'bot' | undefined {
    if (recipientRole === 'user') return 'bot';
    if (fromId && this.isBotId.get({ channelId, conversationId, id: fromId })) return 'bot';
    return undefined;
  }

  /** The fields where people write free text, redacted. Only fields present are returned. */
  private redacted(activity: Activity): Partial<Activity> {
    const keepPostcodes = this.keepPostcodes(activity);
    const clean = (s: string) => redact(s, { keepPostcodes }).text;
    const out: Partial<Activity> = {};
    if (typeof activity.text === 'string') out.text = clean(activity.text);
    if (typeof activity.speak === 'string') out.speak = clean(activity.speak);
    if (activity.value !== undefined) out.value = redactStrings(activity.value, clean);
    return out;
  }

  // Privacy (handoff/privacy.ts): retention and erasure.

  /** Removes every activity older than `cutoff`; returns how many. */
  purge(cutoff: Date): number {
    return this.db.prepare('DELETE FROM transcript_activities WHERE timestamp < ?').run(cutoff.toISOString()).changes;
  }

  /** The resident user ids seen in a conversation (their bot state is erased with it). */
  residentsOf(conversationId: string): string[] {
    return this.db
      .prepare<[string], { id: string }>("SELECT DISTINCT from_id AS id FROM transcript_activities WHERE conversation_id = ? AND from_role = 'user' AND from_id IS NOT NULL")
      .all(conversationId)
      .map((r) => r.id);
  }

  /** Removes a conversation's whole transcript, on every channel; returns how many activities. */
  erase(conversationId: string): number {
    return this.db.prepare('DELETE FROM transcript_activities WHERE conversation_id = ?').run(conversationId).changes;
  }
}

/**
 * Card submissions and postbacks carry what the resident typed in `value`: every string inside
 * plain objects and arrays is redacted. Anything else (a Date, a class instance) is kept as is,
 * since JSON.stringify decides how it is stored anyway.
 */
function redactStrings(value: unknown, clean: (s: string) => string): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, clean));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, clean)]));
  }
  return value;
}

function requireId(argument: string, value: string): void {
  if (typeof value !== 'string' || value === '') throw new TranscriptArgumentError(argument, 'required');
}

function parseToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  const parsed = continuationToken.safeParse(token);
  if (!parsed.success) throw new TranscriptArgumentError('continuationToken', `${parsed.error.issues[0]!.message} (got "${token}")`);
  return Number(parsed.data);
}

/** Rows were fetched one past the page: if that extra row exists, there is a next page. */
function pageOf<R, T>(rows: R[], position: (row: R) => number, map: (row: R) => T): PagedResult<T> {
  const items = rows.slice(0, PAGE_SIZE);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    continuationToken: rows.length > PAGE_SIZE && last ? String(position(last)) : NO_MORE_PAGES,
  };
}

/** Stored JSON back to an activity; dates revived, as botbuilder types them as Date. */
function toActivity(row: Row): Activity {
  // The document is this store's own write of an Activity, so the cast only restores its type.
  const activity = JSON.parse(row.doc) as Activity & { timestamp: string | Date; localTimestamp?: string | Date };
  activity.timestamp = new Date(activity.timestamp);
  if (typeof activity.localTimestamp === 'string') activity.localTimestamp = new Date(activity.localTimestamp);
  return activity;
}
