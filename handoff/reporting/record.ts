import type { GapStore, NewGap, UnansweredQuestion } from '../../knowledge/gaps/store';
import type { DeskEvent, DeskEvents } from '../events';
import { redact } from '../redact';
import type { ConversationEvent, DeskRecord } from './events';
import { InOrder } from './inOrder';
import type { ReportEventStore } from './store';

/**
 * Keeps what happens on the desk for reporting: every desk event but the chat messages themselves
 * (who said what, and how often, is no figure the reports need). The desk events carry ids and
 * departments only, so nothing personal reaches the store.
 */

/** The desk event as reporting keeps it, or undefined for the kinds it does not keep. */
export function deskRecord(e: DeskEvent, reasonOf: (escalationId: number) => string | undefined): DeskRecord | undefined {
  const escalation = e.escalationId;
  switch (e.type) {
    case 'queued':
      return { type: 'queued', escalation, department: e.department, priority: e.priority, reason: reasonOf(escalation) ?? 'unknown' };
    case 'picked-up':
      return { type: 'picked-up', escalation, department: e.department, agent: e.agentId };
    case 'transferred':
      return { type: 'transferred', escalation, from: e.from, department: e.department };
    case 'requeued':
      return { type: 'requeued', escalation, department: e.department, agent: e.agentId };
    case 'closed':
      return { type: 'closed', escalation, department: e.department, because: e.because };
    case 'rated':
      return { type: 'rated', escalation, department: e.department, rating: e.rating };
    case 'message-left':
      return { type: 'message-left', escalation, department: e.department, reason: reasonOf(escalation) ?? 'unknown' };
    case 'message-answered':
      return { type: 'message-answered', escalation, department: e.department };
    case 'resident-message':
    case 'agent-message':
      return undefined;
  }
}

export interface DeskRecorderDeps {
  events: DeskEvents;
  store: Pick<ReportEventStore, 'recordDesk'>;
  /** Why an escalation was made (the bot's handoff reason, or why a message was left): desk events do not carry it. */
  reasonOf: (escalationId: number) => string | undefined | Promise<string | undefined>;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

/**
 * Records desk events as they are published, in the background and in order per escalation. A
 * failure to record is logged with the event's type and escalation and goes no further: the
 * desk's own work has already happened. Returns the function that stops recording, and `idle`,
 * which settles once every write started so far has.
 */
export function recordDeskEvents({ events, store, reasonOf, now, log }: DeskRecorderDeps): { stop: () => void; idle: () => Promise<void> } {
  const writes = new InOrder();
  // This instance's events only: each instance records what happened on it, so nothing twice.
  const stop = events.subscribeLocal((e) => {
    const at = now();
    writes.run(
      `escalation ${e.escalationId}`,
      async () => {
        // Only these two carry the reason; the others need no look-up.
        const reason = e.type === 'queued' || e.type === 'message-left' ? await reasonOf(e.escalationId) : undefined;
        const record = deskRecord(e, () => reason);
        if (record) await store.recordDesk(record, at);
      },
      (err) => log.error(`[reporting] recording ${e.type} of escalation ${e.escalationId}: ${describe(err)}`),
    );
  });
  return { stop, idle: () => writes.idle() };
}

export interface OutcomeRecorderDeps {
  events: Pick<ReportEventStore, 'recordConversation'>;
  gaps: Pick<GapStore, 'record'>;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

/**
 * Keeps each step of a conversation with the bot: the event for the reports, and an unanswered
 * question for the knowledge gaps, redacted here before it is kept. The writes run in the
 * background, in order per conversation, so the resident's reply never waits for them; a failed
 * write is logged and the resident still gets their reply.
 */
export function outcomeRecorder({ events, gaps, now, log }: OutcomeRecorderDeps): {
  /** bot/conversation.ts's `Outcome`: the step's event, and the question it left unanswered, if any. */
  record: (outcome: ConversationEvent & { gap?: UnansweredQuestion }, conversationId: string) => void;
  idle: () => Promise<void>;
} {
  const writes = new InOrder();
  const record = ({ gap, ...event }: ConversationEvent & { gap?: UnansweredQuestion }, conversationId: string) => {
    const at = now();
    if (gap) {
      const keep = async () => {
        const kept: NewGap = { ...gap, question: redact(gap.question).text, conversationId };
        await gaps.record(kept, at);
      };
      writes.run(conversationId, keep, (err) => log.error(`[gaps] recording a ${gap.kind} question: ${describe(err)}`));
    }
    writes.run(conversationId, () => events.recordConversation(conversationId, event, at), (err) => log.error(`[reporting] recording ${event.type}: ${describe(err)}`));
  };
  return { record, idle: () => writes.idle() };
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
