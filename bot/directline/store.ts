import type { Database } from 'better-sqlite3';
import { migrate } from '../db';

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
  createConversation(conversation: { id: string; userId: string }, now: Date): ChannelConversation;
  conversation(id: string): ChannelConversation | undefined;
  /** Records the first start; true only the first time, so the bot welcomes a resident once. */
  markStarted(id: string, now: Date): boolean;
  addToken(tokenHash: string, conversationId: string, expiresAt: Date, now: Date): void;
  token(tokenHash: string, now: Date): TokenLookup;
  /** Stores an activity (its `id` is made from the conversation and the watermark) and returns it. */
  append(conversationId: string, activity: Record<string, unknown>, now: Date): StoredActivity;
  /** Whether `activityId` names an activity still stored in this conversation. */
  hasActivity(conversationId: string, activityId: string): boolean;
  /** Activities after the watermark, oldest first. */
  activitiesAfter(conversationId: string, watermark: number, limit?: number): StoredActivity[];
  /** Deletes activities, and conversations idle, for longer than `retentionMs`, and expired tokens. */
  purge(now: Date, retentionMs: number): PurgeCounts;
}

const MIGRATIONS = [
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
];

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

export class SqliteChannelStore implements ChannelStore {
  private readonly sql;

  constructor(private readonly db: Database) {
    migrate(db, 'directline', MIGRATIONS);
    this.sql = {
      insertConversation: db.prepare('INSERT INTO directline_conversations (id, user_id, created_at, last_active_at) VALUES (?, ?, ?, ?)'),
      conversation: db.prepare<[string], ConversationRow>('SELECT * FROM directline_conversations WHERE id = ?'),
      start: db.prepare<[string, string]>('UPDATE directline_conversations SET started_at = ? WHERE id = ? AND started_at IS NULL'),
      touch: db.prepare<[string, string]>('UPDATE directline_conversations SET last_active_at = ? WHERE id = ?'),
      insertToken: db.prepare('INSERT INTO directline_tokens (token_hash, conversation_id, issued_at, expires_at) VALUES (?, ?, ?, ?)'),
      token: db.prepare<[string], { conversation_id: string; expires_at: string }>('SELECT conversation_id, expires_at FROM directline_tokens WHERE token_hash = ?'),
      insertActivity: db.prepare('INSERT INTO directline_activities (conversation_id, activity, created_at) VALUES (?, ?, ?)'),
      setActivity: db.prepare<[string, number]>('UPDATE directline_activities SET activity = ? WHERE seq = ?'),
      has: db.prepare<[number, string], { one: number }>('SELECT 1 AS one FROM directline_activities WHERE seq = ? AND conversation_id = ?'),
      after: db.prepare<[string, number, number], { seq: number; activity: string }>(
        'SELECT seq, activity FROM directline_activities WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      purgeActivities: db.prepare<[string]>('DELETE FROM directline_activities WHERE created_at < ?'),
      purgeConversations: db.prepare<[string]>('DELETE FROM directline_conversations WHERE last_active_at < ?'),
      purgeTokens: db.prepare<[string]>('DELETE FROM directline_tokens WHERE expires_at <= ?'),
    };
  }

  createConversation({ id, userId }: { id: string; userId: string }, now: Date): ChannelConversation {
    const at = now.toISOString();
    this.sql.insertConversation.run(id, userId, at, at);
    return { id, userId, createdAt: at, startedAt: null, lastActiveAt: at };
  }

  conversation(id: string): ChannelConversation | undefined {
    const row = this.sql.conversation.get(id);
    return row && toConversation(row);
  }

  markStarted(id: string, now: Date): boolean {
    return this.sql.start.run(now.toISOString(), id).changes === 1;
  }

  addToken(tokenHash: string, conversationId: string, expiresAt: Date, now: Date): void {
    this.sql.insertToken.run(tokenHash, conversationId, now.toISOString(), expiresAt.toISOString());
  }

  token(tokenHash: string, now: Date): TokenLookup {
    const row = this.sql.token.get(tokenHash);
    if (!row) return { kind: 'unknown' };
    if (row.expires_at <= now.toISOString()) return { kind: 'expired' };
    return { kind: 'valid', conversationId: row.conversation_id, expiresAt: row.expires_at };
  }

  append(conversationId: string, activity: Record<string, unknown>, now: Date): StoredActivity {
    const at = now.toISOString();
    return this.db.transaction(() => {
      // The id is part of the stored JSON so a reader never has to rebuild it.
      const { lastInsertRowid } = this.sql.insertActivity.run(conversationId, '{}', at);
      const seq = Number(lastInsertRowid);
      const stored = { ...activity, id: activityId(conversationId, seq) };
      this.sql.setActivity.run(JSON.stringify(stored), seq);
      this.sql.touch.run(at, conversationId);
      return { seq, activity: stored };
    })();
  }

  hasActivity(conversationId: string, activityId: string): boolean {
    const seq = activityId.startsWith(`${conversationId}|`) ? Number(activityId.slice(conversationId.length + 1)) : NaN;
    return Number.isSafeInteger(seq) && this.sql.has.get(seq, conversationId) !== undefined;
  }

  activitiesAfter(conversationId: string, watermark: number, limit = 500): StoredActivity[] {
    return this.sql.after.all(conversationId, watermark, limit).map((r) => ({ seq: r.seq, activity: JSON.parse(r.activity) as Record<string, unknown> }));
  }

  purge(now: Date, retentionMs: number): PurgeCounts {
    const cutoff = new Date(now.getTime() - retentionMs).toISOString();
    return this.db.transaction(() => ({
      // Conversations first: their activities and tokens go with them (ON DELETE CASCADE), and
      // are not counted twice below.
      conversations: this.sql.purgeConversations.run(cutoff).changes,
      activities: this.sql.purgeActivities.run(cutoff).changes,
      tokens: this.sql.purgeTokens.run(now.toISOString()).changes,
    }))();
  }

  /** Privacy (handoff/privacy.ts): a conversation, its tokens and every activity it carried. */
  erase(conversationId: string): number {
    return this.db.transaction(() => {
      const activities = this.db.prepare('DELETE FROM directline_activities WHERE conversation_id = ?').run(conversationId).changes;
      this.db.prepare('DELETE FROM directline_tokens WHERE conversation_id = ?').run(conversationId);
      this.db.prepare('DELETE FROM directline_conversations WHERE id = ?').run(conversationId);
      return activities;
    })();
  }
}
