import type { Db } from '../bot/db';
import { SqliteSql } from '../bot/db/sqlite';
import { SqliteChannelStore } from '../bot/directline/store';
import { SqliteStorage } from '../bot/stateStorage';
import { SqlGapStore } from '../knowledge/gaps/store';
import { SqliteLeftMessageStore } from './leftMessages';
import { SqliteLiveMessageStore } from './liveMessages';
import { SqliteEscalationQueue } from './queue';
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
  queue: Pick<SqliteEscalationQueue, 'idsFor' | 'forgetClosed' | 'erase'>;
  liveMessages: Pick<SqliteLiveMessageStore, 'purge' | 'erase'>;
  leftMessages: Pick<SqliteLeftMessageStore, 'forgetAnsweredContacts' | 'erase'>;
  state: Pick<SqliteStorage, 'purge' | 'erase'>;
  /** Absent when Parley's own web channel is off (Azure's Direct Line keeps its own). */
  channel?: Pick<SqliteChannelStore, 'purge' | 'erase'>;
  gaps: Pick<SqlGapStore, 'erase'>;
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

  /**
   * A resident's conversation, everywhere: the right to erasure (UK GDPR article 17). The gaps'
   * store is on the async Sql layer (issue 10) and cannot join the synchronous transaction of the
   * others, so its questions go after it; erasing again finishes an interrupted run.
   */
  async erase(conversationId: string): Promise<EraseCounts> {
    const s = this.stores;
    const counts = this.atomically(() => {
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
      };
    });
    return { ...counts, gaps: await s.gaps.erase(conversationId) };
  }
}

/** Privacy over a database as the app lays it out, for the purge and erase scripts. */
export function privacyFor(db: Db, options: { timeZone: string }): Privacy {
  return new Privacy(
    {
      transcripts: new SqliteTranscriptStore(db),
      queue: new SqliteEscalationQueue(db),
      liveMessages: new SqliteLiveMessageStore(db),
      leftMessages: new SqliteLeftMessageStore(db),
      state: new SqliteStorage(db),
      channel: new SqliteChannelStore(db),
      gaps: new SqlGapStore(new SqliteSql(db), { timeZone: options.timeZone }),
    },
    (work) => db.transaction(work)(),
  );
}
