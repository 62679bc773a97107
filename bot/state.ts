import type { LeaveMessageReason } from '../handoff/capacity';

/** What the bot remembers about a conversation between turns (stored by bot/turnState.ts). */

export type HandoffReason = 'asked' | 'misses' | 'feedback' | 'urgent' | 'topic' | 'lookup';

export interface Choice {
  id: string;
  title: string;
}

/** Offering a person: kept until the resident says yes or no, so the answer can be recorded. */
export interface Offer {
  reason: HandoffReason;
  department: string;
  priority: 'normal' | 'high';
  entryId?: string;
}


/**
 * The question the bot is waiting for an answer to, if any. Leaving a message is three steps:
 * the offer, the resident's question, then how to reply; `cancel` leaves at any of them.
 */
export type Pending =
  // `question`: the resident's words that led here, for the knowledge-gaps report if "None of these" or "No" follows.
  | { kind: 'clarify'; options: Choice[]; question?: string }
  | { kind: 'feedback'; entryId: string; related: Choice[]; question?: string }
  | { kind: 'offer'; offer: Offer }
  | { kind: 'postcode'; attempts: number }
  | { kind: 'message-offer'; offer: Offer; because: LeaveMessageReason }
  | { kind: 'message-question'; offer: Offer; because: LeaveMessageReason }
  | { kind: 'message-contact'; offer: Offer; because: LeaveMessageReason; question: string; attempts: number };

export interface ConversationData {
  pending?: Pending;
  /** Messages in a row the bot could not answer. */
  misses: number;
  /** Set when the resident accepts a person; the queue (handoff/) takes it from here. */
  handoffRequest?: Offer & { requestedAt: string };
  /** Set for one turn when the resident's message gave a postcode to the bin lookup. */
  postcodeLookedUp?: boolean;
}

export function newConversationData(): ConversationData {
  return { misses: 0 };
}

/** Remembered across conversations: only what the resident chose to give the bin lookup. */
export interface UserData {
  postcode?: string;
}
