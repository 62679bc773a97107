import { migrate, type Db } from '../bot/db';
import { SqliteChannelStore } from '../bot/directline/store';
import { BOT_STATE_SCHEMA } from '../bot/stateStorage';
import { SqliteGapStore } from '../knowledge/gaps/store';
import { SqliteLeftMessageStore } from './leftMessages';
import { SqliteLiveMessageStore } from './liveMessages';
import { SqliteEscalationQueue } from './queue';
import { TRANSCRIPTS_SCHEMA } from './transcriptStore';

/**
 * Retention and erasure of residents' personal data, across every store that holds any. Each
 * store keeps its own SQL (a `purge`/`forget…`/`erase` method); this module decides what goes
 * when, and does it in one transaction so an interrupted run leaves nothing half removed.
 *
 * Kept on purpose: the reporting events (no resident's words; the conversation only as a keyed
 * hash) and the knowledge gaps' questions (redacted before they were kept), so the council's
 * figures survive retention. Erasure removes a conversation's gaps too.
 */
export interface PrivacyStores {
  transcripts: { purge(cutoff: Date): number; erase(conversationId: string): number; residentsOf(conversationId: string): string[] };
  queue: Pick<SqliteEscalationQueue, 'idsFor' | 'forgetClosed' | 'erase'>;
  liveMessages: Pick<SqliteLiveMessageStore, 'purge' | 'erase'>;
  leftMessages: Pick<SqliteLeftMessageStore, 'forgetAnsweredContacts' | 'erase'>;
  state: { purge(cutoff: Date): number; erase(conversationId: string, userIds: readonly string[]): number };
  /** Absent when Parley's own web channel is off (Azure's Direct Line keeps its own). */
  channel?: Pick<SqliteChannelStore, 'purge' | 'erase'>;
  gaps: Pick<SqliteGapStore, 'erase'>;
}

export interface PurgeCounts {
  transcriptActivities: number;
  liveMessages: number;
  escalationsForgotten: number;
  contactsForgotten: number;
  botStates: number;
  channelConversations: number;
  channelActivities: number;
}

export interface EraseCounts {
  transcriptActivities: number;
  escalations: number;
  liveMessages: number;
  leftMessages: number;
  botStates: number;
  channelActivities: number;
  gaps: number;
}

const DAY_MS = 86_400_000;

export class Privacy {
  constructor(
    private readonly stores: PrivacyStores,
    private readonly atomically: <T>(work: () => T) => T,
  ) {}

  /** Everything personal older than `days` days before `now`. */
  purge(now: Date, days: number): PurgeCounts {
    if (!(days > 0)) throw new RangeError(`days must be above 0 (got ${days})`);
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const s = this.stores;
    return this.atomically(() => {
      const channel = s.channel?.purge(now, days * DAY_MS);
      return {
        transcriptActivities: s.transcripts.purge(cutoff),
        liveMessages: s.liveMessages.purge(cutoff),
        escalationsForgotten: s.queue.forgetClosed(cutoff),
        contactsForgotten: s.leftMessages.forgetAnsweredContacts(cutoff),
        botStates: s.state.purge(cutoff),
        channelConversations: channel?.conversations ?? 0,
        channelActivities: channel?.activities ?? 0,
      };
    });
  }

  /** A resident's conversation, everywhere: the right to erasure (UK GDPR article 17). */
  erase(conversationId: string): EraseCounts {
    const s = this.stores;
    return this.atomically(() => {
      const residents = s.transcripts.residentsOf(conversationId);
      const escalations = s.queue.idsFor(conversationId);
      // Children before the escalations they point at (foreign keys).
      const liveMessages = s.liveMessages.erase(escalations);
      const leftMessages = s.leftMessages.erase(escalations);
      return {
        transcriptActivities: s.transcripts.erase(conversationId),
        escalations: s.queue.erase(escalations),
        liveMessages,
        leftMessages,
        botStates: s.state.erase(conversationId, residents),
        channelActivities: s.channel?.erase(conversationId) ?? 0,
        gaps: s.gaps.erase(conversationId),
      };
    });
  }
}

/**
 * The bot's state and transcripts have moved to the async Sql layer (issue 10), while this module
 * still works inside one synchronous better-sqlite3 transaction: until it moves too, it removes
 * their rows itself, on that connection.
 */
export function botTablesOn(db: Db): Pick<PrivacyStores, 'transcripts' | 'state'> {
  const count = (sql: string, ...params: string[]) => db.prepare(sql).run(...params).changes;
  return {
    transcripts: {
      purge: (cutoff) => count('DELETE FROM transcript_activities WHERE timestamp < ?', cutoff.toISOString()),
      erase: (conversationId) => count('DELETE FROM transcript_activities WHERE conversation_id = ?', conversationId),
      residentsOf: (conversationId) =>
        db
          .prepare<[string], { id: string }>("SELECT DISTINCT from_id AS id FROM transcript_activities WHERE conversation_id = ? AND from_role = 'user' AND from_id IS NOT NULL")
          .all(conversationId)
          .map((r) => r.id),
    },
    state: {
      purge: (cutoff) => count('DELETE FROM bot_state WHERE updated_at < ?', cutoff.toISOString()),
      // botbuilder's keys are "<channel>/conversations/<id>/<namespace>" and
      // "<channel>/users/<id>/<namespace>" (a channel id has no "/"), so a key is matched by what
      // follows its channel.
      erase: (conversationId, userIds) =>
        [`/conversations/${conversationId}/`, ...userIds.map((u) => `/users/${u}/`)].reduce(
          (n, after) => n + count("DELETE FROM bot_state WHERE substr(key, instr(key, '/'), length(?)) = ?", after, after),
          0,
        ),
    },
  };
}

/** Privacy over a database as the app lays it out, for the purge and erase scripts. */
export function privacyFor(db: Db, options: { timeZone: string }): Privacy {
  // Those two tables are no longer made by their stores' constructors.
  for (const schema of [BOT_STATE_SCHEMA, TRANSCRIPTS_SCHEMA]) migrate(db, schema.store, schema.sqlite);
  return new Privacy(
    {
      ...botTablesOn(db),
      queue: new SqliteEscalationQueue(db),
      liveMessages: new SqliteLiveMessageStore(db),
      leftMessages: new SqliteLeftMessageStore(db),
      channel: new SqliteChannelStore(db),
      gaps: new SqliteGapStore(db, { migrate, timeZone: options.timeZone }),
    },
    (work) => db.transaction(work)(),
  );
}
