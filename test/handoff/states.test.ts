import { HANDOFF_EVENTS, HANDOFF_STATES, stateOf, transition, type HandoffEvent, type HandoffState } from '../../handoff/states';

// Every (state, event) pair, with where it must lead: '-' means refused.
const TABLE: Record<HandoffState, Record<HandoffEvent, HandoffState | '-'>> = {
  bot: { escalate: 'waiting', 'offer-message': 'leaving-message', pickup: '-', transfer: '-', 'agent-lost': '-', close: '-', handback: '-', cancel: '-', 'message-left': '-' },
  waiting: { escalate: '-', 'offer-message': 'leaving-message', pickup: 'agent', transfer: 'waiting', 'agent-lost': '-', close: 'bot', handback: '-', cancel: 'bot', 'message-left': '-' },
  agent: { escalate: '-', 'offer-message': '-', pickup: '-', transfer: 'waiting', 'agent-lost': 'waiting', close: 'bot', handback: 'bot', cancel: '-', 'message-left': '-' },
  'leaving-message': { escalate: '-', 'offer-message': '-', pickup: '-', transfer: '-', 'agent-lost': '-', close: '-', handback: '-', cancel: 'bot', 'message-left': 'bot' },
};

const cases = HANDOFF_STATES.flatMap((state) => HANDOFF_EVENTS.map((event) => [state, event, TABLE[state][event]] as const));

describe('handoff state machine', () => {
  it('has a row for every state and a column for every event', () => {
    expect(cases).toHaveLength(HANDOFF_STATES.length * HANDOFF_EVENTS.length);
  });

  it.each(cases)('%s + %s → %s', (state, event, expected) => {
    const result = transition(state, event);
    if (expected === '-') expect(result).toEqual({ kind: 'refused', from: state, event });
    else expect(result).toEqual({ kind: 'moved', from: state, to: expected });
  });
});

describe('stateOf', () => {
  it('reads a conversation’s state from its open escalation', () => {
    expect(stateOf(undefined)).toBe('bot');
    expect(stateOf({ status: 'waiting' })).toBe('waiting');
    expect(stateOf({ status: 'active' })).toBe('agent');
    expect(stateOf({ status: 'closed' })).toBe('bot');
    expect(stateOf({ status: 'message' })).toBe('bot');
  });
});
