import type { Activity } from 'botbuilder';
import type { Department } from '../knowledge/schema';
import type { Sql } from '../knowledge/sql';
import { admission, estimateWait, type LeaveMessageReason } from './capacity';
import type { Contact } from './contact';
import type { DeskEvents } from './events';
import { isOpen, replyBy, type BankHolidays } from './hours';
import type { LiveMessageStore } from './liveMessages';
import type { DutyRoster } from './presence';
import type { Escalation, EscalationQueue, NewEscalation } from './queue';
import { redact } from './redact';
import { stateOf, transition } from './states';
import type { ConversationTranscriptStore } from './transcriptStore';

/**
 * The handoff desk: what the bot asks of handoff/ and nothing more. It decides whether a
 * resident who wants a person joins the live queue (department open, someone on duty, wait
 * acceptable), and, before the bot's own logic runs, where a resident's message goes while
 * they wait or chat with a person. It never words replies: results are unions the bot turns
 * into words.
 */

export interface DeskSettings {
  timeZone: string;
  chatsPerAgent: number;
  maxWaitMinutes: number;
  /** Handling time assumed for the wait until there is a history to go by. */
  defaultHandlingMinutes: number;
  /** Working hours a department takes to answer a left message. */
  messageReplyHours: number;
}

/** A left message as the desk hands it to the store (handoff/leftMessages.ts). */
export interface LeftMessageRecord {
  escalationId: number;
  question: string;
  contact: Contact;
  replyBy?: Date;
  deliveries: { channel: 'email' | 'webhook'; payload: unknown }[];
}

export interface DeskDeps {
  queue: EscalationQueue;
  /** Who is on duty: signed in, available, connected and taking the department (handoff/presence.ts). */
  presence: Pick<DutyRoster, 'onDuty'>;
  messages: LiveMessageStore;
  departments: () => ReadonlyMap<string, Department>;
  holidays: BankHolidays;
  settings: DeskSettings;
  transcripts: ConversationTranscriptStore;
  events: DeskEvents;
  leftMessages: LeftMessageWriter & { on(sql: Sql): LeftMessageWriter };
  /** Where a left message is to be delivered (email, webhook) and with what, per the settings. */
  planDeliveries: (escalation: Escalation, message: { question: string; contact: Contact; replyBy?: Date }) => LeftMessageRecord['deliveries'];
  /**
   * Runs `work` in one database transaction: a left message is stored whole or not at all. The
   * queue and left messages it writes are built on `tx` (their `on(tx)`).
   */
  atomically: <T>(work: (tx: Sql) => Promise<T>) => Promise<T>;
}

interface LeftMessageWriter {
  add(message: LeftMessageRecord, now: Date): Promise<unknown>;
}

export interface NewLeftMessage {
  conversationId: string;
  reference: unknown;
  department: string;
  /** Why the resident could not chat live. */
  because: LeaveMessageReason;
  question: string;
  contact: Contact;
  entryId?: string;
  summary?: string;
}

export type RequestOutcome =
  | { kind: 'queued'; position: number; waitMinutes: number }
  | { kind: 'already-waiting'; position?: number }
  | { kind: 'unavailable'; reason: LeaveMessageReason };

export type ResidentTurn =
  | { kind: 'bot' }
  | { kind: 'rated'; rating: number }
  | { kind: 'waiting'; position: number }
  | { kind: 'left-queue' }
  | { kind: 'to-agent' };

const CANCEL = /^\s*(cancel|stop waiting|leave( the)? queue)\s*[.!]*\s*$/i;
/** "4", "4/5", "4 stars", or the button text "4 - Good". */
const RATING = /^\s*([1-5])\s*(\/\s*5|stars?|-.*)?\s*[.!]*\s*$/i;
/** A rating is taken as one only soon after the chat closed. */
const RATING_WINDOW_MS = 30 * 60_000;
/** Handling times older than this no longer describe how the department works today. */
const HANDLING_HISTORY_MS = 14 * 24 * 60 * 60_000;

export class HandoffDesk {
  constructor(private readonly deps: DeskDeps) {}

  /** The resident accepted a person: join the queue, or say why not. */
  async request(escalation: NewEscalation, now: Date): Promise<RequestOutcome> {
    const { queue, settings } = this.deps;
    const open = await queue.openFor(escalation.conversationId);
    if (open) {
      const place = await queue.position(open.id);
      return { kind: 'already-waiting', ...(place !== undefined && { position: place }) };
    }

    const department = this.deps.departments().get(escalation.department);
    const onDuty = await this.agentsOnDuty(escalation.department, now);
    const position = (await queue.waiting([escalation.department])).length + 1;
    const waitMinutes = await this.estimateWait(escalation.department, position, onDuty, now);
    const decision = admission({
      open: department ? isOpen(department.hours, this.deps.holidays, settings.timeZone, now) : false,
      agentsOnDuty: onDuty,
      estimatedWaitMinutes: waitMinutes,
      maxWaitMinutes: settings.maxWaitMinutes,
    });
    if (decision.kind === 'leave-message') return { kind: 'unavailable', reason: decision.reason };
    const result = await queue.enqueue(escalation, now);
    if (result.kind !== 'queued') return { kind: 'already-waiting', ...(result.position !== undefined && { position: result.position }) };
    this.deps.events.publish({ type: 'queued', escalationId: result.escalation.id, department: escalation.department, priority: escalation.priority });
    return { kind: 'queued', position: result.position, waitMinutes };
  }

  /**
   * Minutes a resident at `position` in the department's line can expect to wait, from the
   * median handling time of its recent chats (a default until it has some).
   */
  async estimateWait(department: string, position: number, agentsOnDuty: number, now: Date): Promise<number> {
    const { queue, settings } = this.deps;
    return estimateWait({
      position,
      agentsOnDuty,
      chatsPerAgent: settings.chatsPerAgent,
      activeChats: (await queue.active()).filter((e) => e.department === department).length,
      recentHandlingMinutes: await queue.handlingMinutes(department, new Date(now.getTime() - HANDLING_HISTORY_MS)),
      defaultHandlingMinutes: settings.defaultHandlingMinutes,
    });
  }

  /** The wait for a place in the department's line with the agents on duty now. */
  async waitFor(department: string, position: number, now: Date): Promise<number> {
    return this.estimateWait(department, position, await this.agentsOnDuty(department, now), now);
  }

  /** When a message left now for the department can expect a reply (working hours only). */
  replyBy(department: string, now: Date): Date | undefined {
    const d = this.deps.departments().get(department);
    return d && replyBy(d.hours, this.deps.holidays, this.deps.settings.timeZone, now, this.deps.settings.messageReplyHours);
  }

  /**
   * Records a left message for the department to answer later: an escalation with status
   * `message`, its question and contact, and its deliveries (email, webhook), in one transaction.
   * The question is redacted like everything kept, except postcodes: a department needs to know
   * where the missed bin or the pothole is.
   */
  async leaveMessage(message: NewLeftMessage, now: Date): Promise<{ escalation: Escalation; replyBy?: Date }> {
    const due = this.replyBy(message.department, now);
    const question = redact(message.question, { keepPostcodes: true }).text;
    const escalation = await this.deps.atomically(async (tx) => {
      const e = await this.deps.queue.on(tx).leaveMessage(
        {
          conversationId: message.conversationId,
          reference: message.reference,
          department: message.department,
          priority: 'normal',
          reason: message.because,
          ...(message.entryId && { entryId: message.entryId }),
          ...(message.summary && { summary: message.summary }),
        },
        now,
      );
      const facts = { question, contact: message.contact, ...(due && { replyBy: due }) };
      await this.deps.leftMessages.on(tx).add({ escalationId: e.id, ...facts, deliveries: this.deps.planDeliveries(e, facts) }, now);
      return e;
    });
    this.deps.events.publish({ type: 'message-left', escalationId: escalation.id, department: escalation.department });
    return { escalation, ...(due && { replyBy: due }) };
  }

  /** Before the bot: a waiting resident can leave the queue; one chatting with a person reaches them. */
  residentMessage(conversationId: string, text: string, now: Date): Promise<ResidentTurn> {
    return this.residentTurn(conversationId, text, now, true);
  }

  /** `mayLookAgain`: once, a cancel refused because the chat changed is answered from the new state. */
  private async residentTurn(conversationId: string, text: string, now: Date, mayLookAgain: boolean): Promise<ResidentTurn> {
    const { queue } = this.deps;
    const { open, awaitingRating } = await queue.forResident(conversationId, new Date(now.getTime() - RATING_WINDOW_MS));
    const state = stateOf(open);
    if (!open || state === 'bot') return this.rating(awaitingRating, text);
    if (state === 'agent') {
      // Only while the chat is still active: if it was requeued or closed since it was read, the
      // message is answered from the new state (once).
      const added = await this.deps.messages.addWhileActive({ escalationId: open.id, author: 'resident', text }, now);
      if (!added) return mayLookAgain ? this.residentTurn(conversationId, text, now, false) : { kind: 'bot' };
      this.deps.events.publish({ type: 'resident-message', escalationId: open.id, department: open.department, ...(open.agentId && { agentId: open.agentId }) });
      return { kind: 'to-agent' };
    }
    if (CANCEL.test(text) && transition(state, 'cancel').kind === 'moved') {
      // Only if still waiting as read: an agent on another instance may have just picked it up,
      // and then the resident's words go to them (or, closed meanwhile, to the bot) instead.
      const closed = await queue.close(open.id, 'cancelled-by-resident', now, open);
      if (closed.kind === 'done') {
        this.deps.events.publish({ type: 'closed', escalationId: open.id, department: open.department, because: 'cancelled-by-resident' });
        return { kind: 'left-queue' };
      }
      if (mayLookAgain) return this.residentTurn(conversationId, text, now, false);
    }
    return { kind: 'waiting', position: (await queue.position(open.id)) ?? 1 };
  }

  /**
   * Just after an agent closed the chat the resident is asked for a 1-5 rating: a rating then is
   * stored; anything else means they moved on, and goes to the bot.
   */
  private async rating(closed: Escalation | undefined, text: string): Promise<ResidentTurn> {
    if (!closed) return { kind: 'bot' };
    const rated = RATING.exec(text);
    if (!rated) {
      await this.deps.queue.declineRating(closed.id);
      return { kind: 'bot' };
    }
    const rating = Number(rated[1]);
    await this.deps.queue.rate(closed.id, rating);
    this.deps.events.publish({ type: 'rated', escalationId: closed.id, department: closed.department, rating });
    return { kind: 'rated', rating };
  }

  /**
   * The conversation so far, for the Bot Framework handoff event: what the transcript store
   * holds plus the current message, which the transcript logger only writes after the turn.
   */
  async transcriptWith(current: Partial<Activity>): Promise<Activity[]> {
    const channelId = current.channelId ?? '';
    const conversationId = current.conversation?.id ?? '';
    const before = channelId && conversationId ? await this.deps.transcripts.transcriptOf(channelId, conversationId) : [];
    const now = { ...current, from: { ...current.from!, role: 'user' }, ...(current.text !== undefined && { text: redact(current.text).text }) } as Activity;
    return [...before, now];
  }

  /** Agents signed in, available, connected (or within the grace time) and taking this department. */
  private async agentsOnDuty(department: string, now: Date): Promise<number> {
    return (await this.deps.presence.onDuty(department, now)).length;
  }
}
