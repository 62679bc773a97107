import { migrate, type Db } from '../bot/db';
import { SqliteChannelStore } from '../bot/directline/store';
import { SqliteStorage } from '../bot/stateStorage';
import { SqliteGapStore } from '../knowledge/gaps/store';
import { LEFT_MESSAGES_SCHEMA, REMOVED } from './leftMessages';
import { LIVE_MESSAGES_SCHEMA } from './liveMessages';
import { ESCALATIONS_SCHEMA } from './queue';
import { SqliteTranscriptStore } from './transcriptStore';

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
  transcripts: Pick<SqliteTranscriptStore, 'purge' | 'erase' | 'residentsOf'>;
  queue: HandoffPrivacy['queue'];
  liveMessages: HandoffPrivacy['liveMessages'];
  leftMessages: HandoffPrivacy['leftMessages'];
  state: Pick<SqliteStorage, 'purge' | 'erase'>;
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

/** Privacy over a database as the app lays it out, for the purge and erase scripts. */
export function privacyFor(db: Db, options: { timeZone: string }): Privacy {
  // The queue's stores no longer make their tables when built; the app does (migrateAll).
  for (const schema of [ESCALATIONS_SCHEMA, LIVE_MESSAGES_SCHEMA, LEFT_MESSAGES_SCHEMA]) migrate(db, schema.store, schema.sqlite);
  return new Privacy(
    {
      transcripts: new SqliteTranscriptStore(db),
      ...handoffPrivacy(db),
      state: new SqliteStorage(db),
      channel: new SqliteChannelStore(db),
      gaps: new SqliteGapStore(db, { migrate, timeZone: options.timeZone }),
    },
    (work) => db.transaction(work)(),
  );
}

/**
 * Retention and erasure over the escalation queue's tables (escalations, live messages, left
 * messages and their deliveries). Those stores are async now (the Sql layer) while this module is
 * still synchronous over better-sqlite3, so their SQL lives here until privacy moves to Sql too.
 */
export interface HandoffPrivacy {
  queue: {
    /** Every escalation of a conversation, whatever its status. */
    idsFor(conversationId: string): number[];
    /** Closed chats lose the resident's channel address and summary; department, times and rating stay. */
    forgetClosed(cutoff: Date): number;
    /** Removes escalations outright; their live and left messages must go first (foreign keys). */
    erase(ids: readonly number[]): number;
  };
  liveMessages: {
    /** Messages older than `cutoff` of chats that are closed (an open chat keeps its thread). */
    purge(cutoff: Date): number;
    erase(escalationIds: readonly number[]): number;
  };
  leftMessages: {
    /** Answered messages lose the contact, and the delivered copies that carried it; question and answer stay. */
    forgetAnsweredContacts(cutoff: Date): number;
    erase(escalationIds: readonly number[]): number;
  };
}

export function handoffPrivacy(db: Db): HandoffPrivacy {
  const eachId = (sql: string, ids: readonly number[]) => {
    const statement = db.prepare<[number]>(sql);
    return ids.reduce((n, id) => n + statement.run(id).changes, 0);
  };
  return {
    queue: {
      idsFor: (conversationId) =>
        db.prepare<[string], { id: number }>('SELECT id FROM escalations WHERE conversation_id = ? ORDER BY id').all(conversationId).map((r) => r.id),
      forgetClosed: (cutoff) =>
        db
          .prepare("UPDATE escalations SET reference = '{}', summary = NULL WHERE status = 'closed' AND closed_at < ? AND (reference <> '{}' OR summary IS NOT NULL)")
          .run(cutoff.toISOString()).changes,
      erase: (ids) => eachId('DELETE FROM escalations WHERE id = ?', ids),
    },
    liveMessages: {
      purge: (cutoff) =>
        db
          .prepare("DELETE FROM live_messages WHERE sent_at < ? AND escalation_id IN (SELECT id FROM escalations WHERE status = 'closed')")
          .run(cutoff.toISOString()).changes,
      erase: (ids) => eachId('DELETE FROM live_messages WHERE escalation_id = ?', ids),
    },
    leftMessages: {
      forgetAnsweredContacts: (cutoff) => {
        const at = cutoff.toISOString();
        return db.transaction(() => {
          db.prepare(
            'DELETE FROM message_deliveries WHERE delivered_at IS NOT NULL AND escalation_id IN (SELECT escalation_id FROM left_messages WHERE answered_at < ?)',
          ).run(at);
          return db.prepare(`UPDATE left_messages SET contact_value = '${REMOVED}' WHERE answered_at < ? AND contact_value <> '${REMOVED}'`).run(at).changes;
        })();
      },
      erase: (ids) => {
        eachId('DELETE FROM message_deliveries WHERE escalation_id = ?', ids);
        return eachId('DELETE FROM left_messages WHERE escalation_id = ?', ids);
      },
    },
  };
}
