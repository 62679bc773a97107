/**
 * A conversation's handoff state: who answers the resident's next message. This is the one
 * place that lists the states and the moves between them; the router consults it before the
 * bot's own logic runs, and every move is tested as a table (test/handoff/states.test.ts).
 *
 *   bot ──escalate──▶ waiting ──pickup──▶ agent
 *    ▲  └─offer-message─▶ leaving-message   │
 *    │                    │                 ├─transfer / agent-lost ─▶ waiting
 *    └── message-left / cancel / close / handback ───────────────────┘
 */

export const HANDOFF_STATES = ['bot', 'waiting', 'agent', 'leaving-message'] as const;
export type HandoffState = (typeof HANDOFF_STATES)[number];

export const HANDOFF_EVENTS = [
  /** The resident accepted a person and a live queue is open. */
  'escalate',
  /** Out of hours, nobody on duty or overflow: collect a message instead. */
  'offer-message',
  /** An agent picked the chat up. */
  'pickup',
  /** The agent sent the chat to another department's queue. */
  'transfer',
  /** The agent went away or disconnected past the grace time: back to the queue. */
  'agent-lost',
  /** The agent closed the chat. */
  'close',
  /** The agent handed the resident back to the bot. */
  'handback',
  /** The resident typed "cancel" while waiting or leaving a message. */
  'cancel',
  /** The resident finished leaving a message. */
  'message-left',
] as const;
export type HandoffEvent = (typeof HANDOFF_EVENTS)[number];

const MOVES: Record<HandoffState, Partial<Record<HandoffEvent, HandoffState>>> = {
  bot: { escalate: 'waiting', 'offer-message': 'leaving-message' },
  waiting: { pickup: 'agent', transfer: 'waiting', cancel: 'bot', close: 'bot', 'offer-message': 'leaving-message' },
  agent: { transfer: 'waiting', 'agent-lost': 'waiting', close: 'bot', handback: 'bot' },
  'leaving-message': { 'message-left': 'bot', cancel: 'bot' },
};

export type Transition = { kind: 'moved'; from: HandoffState; to: HandoffState } | { kind: 'refused'; from: HandoffState; event: HandoffEvent };

/** Where `event` takes a conversation in `state`; refused moves leave it where it is. */
export function transition(state: HandoffState, event: HandoffEvent): Transition {
  const to = MOVES[state][event];
  return to ? { kind: 'moved', from: state, to } : { kind: 'refused', from: state, event };
}

/**
 * Where a conversation is, from its open escalation (handoff/queue.ts): none, or a closed one, is
 * the bot's; waiting and active are the queue's. `leaving-message` is the bot collecting the
 * message (bot/state.ts), so the queue never reports it.
 */
export function stateOf(open: { status: 'waiting' | 'active' | 'closed' | 'message' } | undefined): HandoffState {
  if (open?.status === 'waiting') return 'waiting';
  if (open?.status === 'active') return 'agent';
  return 'bot';
}
