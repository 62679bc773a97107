/**
 * How many chats a department can hold, how long a new escalation can expect to wait, and whether
 * it joins the live queue or is offered "leave a message". Pure arithmetic: the queue store
 * supplies the counts and recent handling times, handoff/hours.ts says whether it is open.
 */

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, 0 or more (got ${value})`);
  return value;
}

/** Chats the department can hold at once: agents on duty × chats each agent holds. */
export function capacity(agentsOnDuty: number, chatsPerAgent: number): number {
  return count('agentsOnDuty', agentsOnDuty) * count('chatsPerAgent', chatsPerAgent);
}

/** The middle value (the mean of the two middle ones for an even count): one very long chat does not skew it. */
export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface WaitInput {
  /** Place in the waiting line, 1 = next to be picked up. */
  position: number;
  agentsOnDuty: number;
  chatsPerAgent: number;
  /** Chats agents of the department hold right now; the free slots are capacity minus these. */
  activeChats: number;
  /** Minutes from pick-up to close of the department's recent chats. */
  recentHandlingMinutes: readonly number[];
  /** Used when there is no recent chat to go by (a new department, the start of the day). */
  defaultHandlingMinutes: number;
}

/**
 * Estimated wait in whole minutes, rounded up:
 *
 *   free  = capacity − activeChats
 *   wait  = 0                                                   when position ≤ free
 *   wait ≈ ceil((position − free) / capacity) × median(recent)  otherwise
 *
 * Each "round" frees every slot once, on average after one median handling time, so the
 * position beyond the free slots, divided by the capacity and rounded up, is how many rounds
 * to wait. The median, not the mean, because one long case should not inflate every estimate.
 * Infinity when nobody can take a chat: no wait is long enough; `admission` reports that as
 * nobody on duty before it compares waits.
 */
export function estimateWait(input: WaitInput): number {
  const position = count('position', input.position);
  if (position < 1) throw new RangeError('position counts from 1 (next to be picked up)');
  const slots = capacity(input.agentsOnDuty, input.chatsPerAgent);
  if (slots === 0) return Number.POSITIVE_INFINITY;
  const free = Math.max(0, slots - count('activeChats', input.activeChats));
  if (position <= free) return 0;
  const handling = median(input.recentHandlingMinutes) ?? input.defaultHandlingMinutes;
  return Math.ceil(Math.ceil((position - free) / slots) * handling);
}

export interface AdmissionInput {
  /** The department's opening hours and bank holidays say it is open now. */
  open: boolean;
  agentsOnDuty: number;
  estimatedWaitMinutes: number;
  maxWaitMinutes: number;
}

export type LeaveMessageReason = 'closed' | 'nobody-on-duty' | 'overflow';
export type Admission = { kind: 'queue' } | { kind: 'leave-message'; reason: LeaveMessageReason };

/**
 * Whether a new escalation joins the live queue or is offered "leave a message". The reasons are
 * checked in the order a resident would understand them: closed first (even if an agent happens
 * to be signed in), then nobody on duty, then a wait above the maximum. A wait equal to the
 * maximum still queues.
 */
export function admission({ open, agentsOnDuty, estimatedWaitMinutes, maxWaitMinutes }: AdmissionInput): Admission {
  if (!open) return { kind: 'leave-message', reason: 'closed' };
  if (agentsOnDuty <= 0) return { kind: 'leave-message', reason: 'nobody-on-duty' };
  if (estimatedWaitMinutes > maxWaitMinutes) return { kind: 'leave-message', reason: 'overflow' };
  return { kind: 'queue' };
}
