import type { DeskEvent, DeskEvents } from '../events';
import type { DeskRecord } from './events';
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
 * Records desk events as they are published. A failure to record is logged with the event's
 * type and escalation and goes no further: the desk's own work has already happened.
 * Returns the function that stops recording.
 */
export function recordDeskEvents({ events, store, reasonOf, now, log }: DeskRecorderDeps): () => void {
  const failed = (e: DeskEvent, err: unknown) =>
    log.error(`[reporting] recording ${e.type} of escalation ${e.escalationId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return events.subscribeLocal((e) => {
    const at = now();
    const keep = (reason: string | undefined) => {
      try {
        const record = deskRecord(e, () => reason);
        if (record) store.recordDesk(record, at);
      } catch (err) {
        failed(e, err);
      }
    };
    if (e.type !== 'queued' && e.type !== 'message-left') return keep(undefined);
    // Only these need the escalation's reason, which is read from the queue's database.
    Promise.resolve()
      .then(() => reasonOf(e.escalationId))
      .then(keep, (err: unknown) => failed(e, err));
  });
}
