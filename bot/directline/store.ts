import type { Sql, StoreSchema } from '../../knowledge/sql';

/**
 * The web channel's delivery buffer: its conversations, the hashes of their tokens, and the
 * activities waiting to be read (the resident's own, echoed, and the bot's). Residents' words are
 * kept as typed, because the bot must see them whole (a postcode for a bin day) and a reloaded
 * page shows them again; `purge` removes everything older than the retention period, so this is
 * a buffer, not an archive (the redacted transcript in handoff/ is the record).
 *
 * The watermark of an activity is its row number: it only grows, across conversations too, so a
 * client's "everything after N" never misses or repeats one, and purged rows never come back.
 */

export interface ChannelConversation {
  id: string;
  /** Chosen by the channel, never the browser: the bot keys a resident's saved postcode on it. */
  userId: string;
  createdAt: string;
  /** When the conversation was first started (the bot welcomed the resident); null before. */
  startedAt: string | null;
  lastActiveAt: string;
}

export interface StoredActivity {
  /** The watermark up to and including this activity. */
  seq: number;
  activity: Record<string, unknown>;
}

export type TokenLookup = { kind: 'valid'; conversationId: string; expiresAt: string } | { kind: 'expired' } | { kind: 'unknown' };

export interface PurgeCounts {
  conversations: number;
  activities: number;
  tokens: number;
}

export interface ChannelStore {
  createConversation(conversation: { id: string; userId: string }, now: Date): Promise<ChannelConversation>;
  conversation(id: string): Promise<ChannelConversation | undefined>;
  /** Records the first start; true only the first time (on any instance), so the bot welcomes a resident once. */
  markStarted(id: string, now: Date): Promise<boolean>;
  addToken(tokenHash: string, conversationId: string, expiresAt: Date, now: Date): Promise<void>;
  token(tokenHash: string, now: Date): Promise<TokenLookup>;
  /** Stores an activity (its `id` is made from the conversation and the watermark) and returns it. */
  append(conversationId: string, activity: Record<string, unknown>, now: Date): Promise<StoredActivity>;
  /** Whether `activityId` names an activity still stored in this conversation. */
  hasActivity(conversationId: string, activityId: string): Promise<boolean>;
  /** Activities after the watermark, oldest first. */
  activitiesAfter(conversationId: string, watermark: number, limit?: number): Promise<StoredActivity[]>;
  /** Keeps a one-use stream ticket (its hash) until it is used or expires. */
  addStreamTicket(ticketHash: string, ticket: StreamTicket): Promise<void>;
  /** Takes a stream ticket: the first caller on any instance gets it, later ones undefined. */
  takeStreamTicket(ticketHash: string, now: Date): Promise<StreamTicket | undefined>;
  /** Deletes activities, and conversations idle, for longer than `retentionMs`, and expired tokens and tickets. */
  purge(now: Date, retentionMs: number): Promise<PurgeCounts>;
  /** Privacy (handoff/privacy.ts): a conversation, its tokens and every activity it carried; how many activities. */
  erase(conversationId: string): Promise<number>;
}

/** Where a stream URL lets a WebSocket start: its conversation, after this watermark, until then. */
export interface StreamTicket {
  conversationId: string;
  watermark: number;
  expiresAt: Date;
}

const SQLITE_MIGRATIONS = [
  `CREATE TABLE directline_conversations (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     started_at TEXT,
     last_active_at TEXT NOT NULL
   );
   CREATE INDEX directline_conversations_idle ON directline_conversations (last_active_at);
   CREATE TABLE directline_tokens (
     token_hash TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX directline_tokens_conversation ON directline_tokens (conversation_id);
   CREATE INDEX directline_tokens_expiry ON directline_tokens (expires_at);
   CREATE TABLE directline_activities (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE,
     activity TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX directline_activities_conversation ON directline_activities (conversation_id, seq);
   CREATE INDEX directline_activities_age ON directline_activities (created_at);`,
  // Stream tickets were kept in memory: with several instances a WebSocket may reach another
  // instance than the one that issued its URL.
  `CREATE TABLE directline_stream_tickets (
     ticket_hash TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE,
     watermark INTEGER NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX directline_stream_tickets_conversation ON directline_stream_tickets (conversation_id);
   CREATE INDEX directline_stream_tickets_expiry ON directline_stream_tickets (expires_at);`,
];

/**
 * The same tables on PostgreSQL, made in one step (its list starts at the tables' final shape).
 * Foreign keys are DEFERRABLE (still checked at once unless deferred) so db:copy can fill the
 * tables in any order within its transaction.
 */
const POSTGRES_MIGRATIONS = [
  `CREATE TABLE directline_conversations (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     started_at TEXT,
     last_active_at TEXT NOT NULL
   );
   CREATE INDEX directline_conversations_idle ON directline_conversations (last_active_at);
   CREATE TABLE directline_tokens (
     token_hash TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE DEFERRABLE,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX directline_tokens_conversation ON directline_tokens (conversation_id);
   CREATE INDEX directline_tokens_expiry ON directline_tokens (expires_at);
   CREATE TABLE directline_activities (
     seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE DEFERRABLE,
     activity TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX directline_activities_conversation ON directline_activities (conversation_id, seq);
   CREATE INDEX directline_activities_age ON directline_activities (created_at);
   CREATE TABLE directline_stream_tickets (
     ticket_hash TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE DEFERRABLE,
     watermark BIGINT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX directline_stream_tickets_conversation ON directline_stream_tickets (conversation_id);
   CREATE INDEX directline_stream_tickets_expiry ON directline_stream_tickets (expires_at);`,
];

export const DIRECTLINE_SCHEMA: StoreSchema = { store: 'directline', sqlite: SQLITE_MIGRATIONS, postgres: POSTGRES_MIGRATIONS };

/** The most activities one read returns (a poll, a stream's push); a client reads on from the watermark. */
export const ACTIVITY_PAGE = 500;

/** Direct Line's own shape of activity ids: the conversation, a bar, the sequence padded to 7. */
export const activityId = (conversationId: string, seq: number) => `${conversationId}|${String(seq).padStart(7, '0')}`;

interface ConversationRow {
  id: string;
  user_id: string;
  created_at: string;
  started_at: string | null;
  last_active_at: string;
}

const toConversation = (r: ConversationRow): ChannelConversation => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  startedAt: r.started_at,
  lastActiveAt: r.last_active_at,
});

export class SqlChannelStore implements ChannelStore {
  constructor(private readonly sql: Sql) {}

  async createConversation({ id, userId }: { id: string; userId: string }, now: Date): Promise<ChannelConversation> {
    const at = now.toISOString();
    await this.sql.run('INSERT INTO directline_conversations (id, user_id, created_at, last_active_at) VALUES (?, ?, ?, ?)', [id, userId, at, at]);
    return { id, userId, createdAt: at, startedAt: null, lastActiveAt: at };
  }

  async conversation(id: string): Promise<ChannelConversation | undefined> {
    const row = await this.sql.get<ConversationRow>('SELECT * FROM directline_conversations WHERE id = ?', [id]);
    return row && toConversation(row);
  }

  async markStarted(id: string, now: Date): Promise<boolean> {
    const { changes } = await this.sql.run('UPDATE directline_conversations SET started_at = ? WHERE id = ? AND started_at IS NULL', [now.toISOString(), id]);
    return changes === 1;
  }

  async addToken(tokenHash: string, conversationId: string, expiresAt: Date, now: Date): Promise<void> {
    await this.sql.run('INSERT INTO directline_tokens (token_hash, conversation_id, issued_at, expires_at) VALUES (?, ?, ?, ?)', [
      tokenHash,
      conversationId,
      now.toISOString(),
      expiresAt.toISOString(),
    ]);
  }

  async token(tokenHash: string, now: Date): Promise<TokenLookup> {
    const row = await this.sql.get<{ conversation_id: string; expires_at: string }>('SELECT conversation_id, expires_at FROM directline_tokens WHERE token_hash = ?', [tokenHash]);
    if (!row) return { kind: 'unknown' };
    if (row.expires_at <= now.toISOString()) return { kind: 'expired' };
    return { kind: 'valid', conversationId: row.conversation_id, expiresAt: row.expires_at };
  }

  async append(conversationId: string, activity: Record<string, unknown>, now: Date): Promise<StoredActivity> {
    const at = now.toISOString();
    return this.sql.transaction(async (tx) => {
      // The conversation's row first: on PostgreSQL this locks it, so two instances appending to
      // one conversation take their numbers in the order they commit. Otherwise a reader could
      // see seq 11 committed before seq 10 and move its watermark past 10 for ever.
      await tx.run('UPDATE directline_conversations SET last_active_at = ? WHERE id = ?', [at, conversationId]);
      const row = await tx.get<{ seq: number }>('INSERT INTO directline_activities (conversation_id, activity, created_at) VALUES (?, ?, ?) RETURNING seq', [
        conversationId,
        '{}',
        at,
      ]);
      const seq = Number(row!.seq);
      // The id is part of the stored JSON so a reader never has to rebuild it.
      const stored = { ...activity, id: activityId(conversationId, seq) };
      await tx.run('UPDATE directline_activities SET activity = ? WHERE seq = ?', [JSON.stringify(stored), seq]);
      return { seq, activity: stored };
    });
  }

  async hasActivity(conversationId: string, activityId: string): Promise<boolean> {
    const seq = activityId.startsWith(`${conversationId}|`) ? Number(activityId.slice(conversationId.length + 1)) : NaN;
    if (!Number.isSafeInteger(seq)) return false;
    return (await this.sql.get('SELECT 1 AS one FROM directline_activities WHERE seq = ? AND conversation_id = ?', [seq, conversationId])) !== undefined;
  }

  async activitiesAfter(conversationId: string, watermark: number, limit = ACTIVITY_PAGE): Promise<StoredActivity[]> {
    const rows = await this.sql.all<{ seq: number; activity: string }>(
      'SELECT seq, activity FROM directline_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [conversationId, watermark, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  async addStreamTicket(ticketHash: string, ticket: StreamTicket): Promise<void> {
    await this.sql.run('INSERT INTO directline_stream_tickets (ticket_hash, conversation_id, watermark, expires_at) VALUES (?, ?, ?, ?)', [
      ticketHash,
      ticket.conversationId,
      ticket.watermark,
      ticket.expiresAt.toISOString(),
    ]);
  }

  async takeStreamTicket(ticketHash: string, now: Date): Promise<StreamTicket | undefined> {
    // One statement deletes and reads: of two instances handed the same ticket, one gets the row.
    const row = await this.sql.get<{ conversation_id: string; watermark: number; expires_at: string }>(
      'DELETE FROM directline_stream_tickets WHERE ticket_hash = ? RETURNING conversation_id, watermark, expires_at',
      [ticketHash],
    );
    if (!row || row.expires_at <= now.toISOString()) return undefined;
    return { conversationId: row.conversation_id, watermark: Number(row.watermark), expiresAt: new Date(row.expires_at) };
  }

  async purge(now: Date, retentionMs: number): Promise<PurgeCounts> {
    const cutoff = new Date(now.getTime() - retentionMs).toISOString();
    return this.sql.transaction(async (tx) => {
      // Conversations first: their activities and tokens go with them (ON DELETE CASCADE), and
      // are not counted twice below.
      const conversations = (await tx.run('DELETE FROM directline_conversations WHERE last_active_at < ?', [cutoff])).changes;
      const activities = (await tx.run('DELETE FROM directline_activities WHERE created_at < ?', [cutoff])).changes;
      const tokens = (await tx.run('DELETE FROM directline_tokens WHERE expires_at <= ?', [now.toISOString()])).changes;
      await tx.run('DELETE FROM directline_stream_tickets WHERE expires_at <= ?', [now.toISOString()]);
      return { conversations, activities, tokens };
    });
  }

  async erase(conversationId: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const activities = (await tx.run('DELETE FROM directline_activities WHERE conversation_id = ?', [conversationId])).changes;
      await tx.run('DELETE FROM directline_tokens WHERE conversation_id = ?', [conversationId]);
      await tx.run('DELETE FROM directline_stream_tickets WHERE conversation_id = ?', [conversationId]);
      await tx.run('DELETE FROM directline_conversations WHERE id = ?', [conversationId]);
      return activities;
    });
  }
}
