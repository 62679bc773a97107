import type { Activity } from 'botbuilder';
import type { Department } from '../knowledge/schema';
import type { AgentStore } from './agents';
import { admission, estimateWait, type LeaveMessageReason } from './capacity';
import { isOpen, type BankHolidays } from './hours';
import type { LiveMessageStore } from './liveMessages';
import type { EscalationQueue, NewEscalation } from './queue';
import type { SessionStore } from './sessions';
import { redact } from './redact';
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
}

export interface DeskDeps {
  queue: EscalationQueue;
  agents: AgentStore;
  sessions: SessionStore;
  messages: LiveMessageStore;
  departments: () => ReadonlyMap<string, Department>;
  holidays: BankHolidays;
  settings: DeskSettings;
  transcripts: ConversationTranscriptStore;
}

export type RequestOutcome =
  | { kind: 'queued'; position: number; waitMinutes: number }
  | { kind: 'already-waiting'; position?: number }
  | { kind: 'unavailable'; reason: LeaveMessageReason };

export type ResidentTurn =
  | { kind: 'bot' }
  | { kind: 'waiting'; position: number }
  | { kind: 'left-queue' }
  | { kind: 'to-agent' };

const CANCEL = /^\s*(cancel|stop waiting|leave( the)? queue)\s*[.!]*\s*$/i;

export class HandoffDesk {
  constructor(private readonly deps: DeskDeps) {}

  /** The resident accepted a person: join the queue, or say why not. */
  request(escalation: NewEscalation, now: Date): RequestOutcome {
    const { queue, settings } = this.deps;
    const open = queue.openFor(escalation.conversationId);
    if (open) {
      const place = queue.position(open.id);
      return { kind: 'already-waiting', ...(place !== undefined && { position: place }) };
    }

    const department = this.deps.departments().get(escalation.department);
    const onDuty = this.agentsOnDuty(escalation.department, now);
    const position = queue.waiting([escalation.department]).length + 1;
    const activeChats = queue.active().filter((e) => e.department === escalation.department).length;
    const waitMinutes = estimateWait({
      position,
      agentsOnDuty: onDuty,
      chatsPerAgent: settings.chatsPerAgent,
      activeChats,
      recentHandlingMinutes: [],
      defaultHandlingMinutes: settings.defaultHandlingMinutes,
    });
    const decision = admission({
      open: department ? isOpen(department.hours, this.deps.holidays, settings.timeZone, now) : false,
      agentsOnDuty: onDuty,
      estimatedWaitMinutes: waitMinutes,
      maxWaitMinutes: settings.maxWaitMinutes,
    });
    if (decision.kind === 'leave-message') return { kind: 'unavailable', reason: decision.reason };
    const result = queue.enqueue(escalation, now);
    return result.kind === 'queued'
      ? { kind: 'queued', position: result.position, waitMinutes }
      : { kind: 'already-waiting', ...(result.position !== undefined && { position: result.position }) };
  }

  /** Before the bot: a waiting resident can leave the queue; one chatting with a person reaches them. */
  residentMessage(conversationId: string, text: string, now: Date): ResidentTurn {
    const { queue } = this.deps;
    const open = queue.openFor(conversationId);
    if (!open) return { kind: 'bot' };
    if (open.status === 'active') {
      this.deps.messages.add({ escalationId: open.id, author: 'resident', text }, now);
      return { kind: 'to-agent' };
    }
    if (CANCEL.test(text)) {
      queue.close(open.id, 'cancelled-by-resident', now);
      return { kind: 'left-queue' };
    }
    return { kind: 'waiting', position: queue.position(open.id) ?? 1 };
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

  /** Signed-in agents who serve the department (supervisors serve all). */
  private agentsOnDuty(department: string, now: Date): number {
    return this.deps.sessions
      .signedInAgents(now)
      .map((id) => this.deps.agents.byId(id))
      .filter((a) => a && (a.role === 'supervisor' || a.departments.includes(department))).length;
  }
}
