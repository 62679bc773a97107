import { SqlChannelStore } from '../bot/directline/store';
import { conversationHash } from '../knowledge/databaseKey';
import type { Sql } from '../knowledge/sql';
import { REMOVED } from './leftMessages';

/**
 * Retention and erasure of residents' personal data, across every table that holds any. These
 * are plain statements over the stores' tables (names and columns are the same on SQLite and
 * PostgreSQL), run in one transaction so an interrupted run leaves nothing half removed, and
 * taking only `Sql`, so the daily purge can run under a scheduled-job lock, once for all instances.
 * The web channel's own store does its part (its hourly purge uses the same statements).
 *
 * Kept on purpose: the reporting events (no resident's words; the conversation only as a keyed
 * hash) and the knowledge gaps' questions (redacted before they were kept), so the council's
 * figures survive retention. Erasure removes a conversation's gaps too.
 */

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

/** Everything personal older than `days` days before `now`. */
export async function purgePersonalData(sql: Sql, now: Date, days: number): Promise<PurgeCounts> {
  if (!(days > 0)) throw new RangeError(`days must be above 0 (got ${days})`);
  const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
  return sql.transaction(async (tx) => {
    const changed = async (statement: string) => (await tx.run(statement, [cutoff])).changes;
    const channel = await new SqlChannelStore(tx).purge(now, days * DAY_MS);
    const transcriptActivities = await changed('DELETE FROM transcript_activities WHERE timestamp < ?');
    // An open chat keeps its thread, however old.
    const liveMessages = await changed("DELETE FROM live_messages WHERE sent_at < ? AND escalation_id IN (SELECT id FROM escalations WHERE status = 'closed')");
    // Closed chats lose the resident's channel address and the summary in their words; the rest
    // (department, times, rating) stays for the records.
    const escalationsForgotten = await changed(
      "UPDATE escalations SET reference = '{}', summary = NULL WHERE status = 'closed' AND closed_at < ? AND (reference <> '{}' OR summary IS NOT NULL)",
    );
    // Answered left messages lose the email address or phone number, and the delivered copies
    // (emails, webhook posts) that carried it; the question and answer stay.
    await changed('DELETE FROM message_deliveries WHERE delivered_at IS NOT NULL AND escalation_id IN (SELECT escalation_id FROM left_messages WHERE answered_at < ?)');
    const contactsForgotten = (
      await tx.run('UPDATE left_messages SET contact_value = ? WHERE answered_at < ? AND contact_value <> ?', [REMOVED, cutoff, REMOVED])
    ).changes;
    const botStates = await changed('DELETE FROM bot_state WHERE updated_at < ?');
    return {
      transcriptActivities,
      liveMessages,
      escalationsForgotten,
      contactsForgotten,
      botStates,
      channelConversations: channel.conversations,
      channelActivities: channel.activities,
    };
  });
}

/** A resident's conversation, everywhere: the right to erasure (UK GDPR article 17). */
export async function eraseConversation(sql: Sql, conversationId: string): Promise<EraseCounts> {
  return sql.transaction(async (tx) => {
    const changed = async (statement: string, params: readonly (string | number)[] = [conversationId]) => (await tx.run(statement, params)).changes;
    // The residents seen in it, before the transcript that names them goes: their bot state goes too.
    const residents = await tx.all<{ id: string }>(
      "SELECT DISTINCT from_id AS id FROM transcript_activities WHERE conversation_id = ? AND from_role = 'user' AND from_id IS NOT NULL",
      [conversationId],
    );
    const ofEscalations = 'escalation_id IN (SELECT id FROM escalations WHERE conversation_id = ?)';
    // Children before the escalations they point at (foreign keys).
    const liveMessages = await changed(`DELETE FROM live_messages WHERE ${ofEscalations}`);
    await changed(`DELETE FROM message_deliveries WHERE ${ofEscalations}`);
    const leftMessages = await changed(`DELETE FROM left_messages WHERE ${ofEscalations}`);
    const escalations = await changed('DELETE FROM escalations WHERE conversation_id = ?');
    const transcriptActivities = await changed('DELETE FROM transcript_activities WHERE conversation_id = ?');
    // botbuilder's keys are "<channel>/conversations/<id>/<namespace>" and "<channel>/users/<id>/<namespace>"
    // (a channel id has no "/"), so a key is matched by what follows its channel. PostgreSQL has
    // strpos where SQLite has instr.
    const position = tx.dialect === 'postgres' ? 'strpos' : 'instr';
    let botStates = 0;
    for (const after of [`/conversations/${conversationId}/`, ...residents.map((r) => `/users/${r.id}/`)]) {
      botStates += await changed(`DELETE FROM bot_state WHERE substr(key, ${position}(key, '/'), ?) = ?`, [[...after].length, after]);
    }
    const channelActivities = await new SqlChannelStore(tx).erase(conversationId);
    const gapsKey = await tx.get<{ key: string }>('SELECT key FROM knowledge_gaps_key');
    const gaps = gapsKey ? await changed('DELETE FROM knowledge_gaps WHERE asker = ?', [conversationHash(gapsKey.key, conversationId)]) : 0;
    return { transcriptActivities, escalations, liveMessages, leftMessages, botStates, channelActivities, gaps };
  });
}
