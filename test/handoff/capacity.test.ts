import { admission, capacity, estimateWait, median, type Admission, type AdmissionInput, type WaitInput } from '../../handoff/capacity';

describe('capacity', () => {
  it.each([
    [3, 2, 6],
    [1, 1, 1],
    [0, 3, 0],
    [4, 0, 0],
  ])('%i agents holding %i chats each hold %i', (agents, chats, expected) => {
    expect(capacity(agents, chats)).toBe(expected);
  });

  it.each([
    [-1, 2],
    [1.5, 2],
    [2, Number.NaN],
  ])('refuses %s agents × %s chats', (agents, chats) => {
    expect(() => capacity(agents, chats)).toThrow(RangeError);
  });
});

describe('median', () => {
  it.each([
    [[], undefined],
    [[7], 7],
    [[12, 4, 9], 9],
    [[10, 2, 6, 4], 5],
    [[5, 5, 5, 240], 5], // one very long case does not move it
  ])('of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('estimateWait', () => {
  // Two agents, two chats each: 4 slots.
  const base: WaitInput = {
    position: 1,
    agentsOnDuty: 2,
    chatsPerAgent: 2,
    activeChats: 4,
    recentHandlingMinutes: [8, 12, 10],
    defaultHandlingMinutes: 15,
  };

  it.each<[string, Partial<WaitInput>, number]>([
    ['a free slot: no wait', { activeChats: 3 }, 0],
    ['two free slots, second in line: no wait', { activeChats: 2, position: 2 }, 0],
    ['two free slots, third in line: one round', { activeChats: 2, position: 3 }, 10],
    ['all busy, first in line: one median handling time', {}, 10],
    ['all busy, fourth in line: still the first round', { position: 4 }, 10],
    ['all busy, fifth in line: the second round', { position: 5 }, 20],
    ['all busy, ninth in line: the third round', { position: 9 }, 30],
    ['no history: the default handling time', { recentHandlingMinutes: [] }, 15],
    ['no history, fifth in line', { recentHandlingMinutes: [], position: 5 }, 30],
    ['an even history: the mean of the middle two, rounded up', { recentHandlingMinutes: [7, 8] }, 8],
    ['one long case does not inflate the wait', { recentHandlingMinutes: [6, 6, 7, 180] }, 7],
    ['more chats than slots (after agents went away)', { activeChats: 6, position: 1 }, 10],
    ['nobody on duty: no wait is long enough', { agentsOnDuty: 0, activeChats: 0 }, Number.POSITIVE_INFINITY],
  ])('%s', (_, change, expected) => {
    expect(estimateWait({ ...base, ...change })).toBe(expected);
  });

  it.each<Partial<WaitInput>>([{ position: 0 }, { position: 1.5 }, { activeChats: -1 }])('refuses %j', (change) => {
    expect(() => estimateWait({ ...base, ...change })).toThrow(RangeError);
  });
});

describe('admission', () => {
  const open: AdmissionInput = { open: true, agentsOnDuty: 2, estimatedWaitMinutes: 10, maxWaitMinutes: 20 };

  it.each<[string, Partial<AdmissionInput>, Admission]>([
    ['open, staffed, short wait: queue', {}, { kind: 'queue' }],
    ['a wait equal to the maximum: queue', { estimatedWaitMinutes: 20 }, { kind: 'queue' }],
    ['a wait above the maximum: overflow', { estimatedWaitMinutes: 21 }, { kind: 'leave-message', reason: 'overflow' }],
    ['nobody on duty', { agentsOnDuty: 0, estimatedWaitMinutes: Number.POSITIVE_INFINITY }, { kind: 'leave-message', reason: 'nobody-on-duty' }],
    ['closed', { open: false }, { kind: 'leave-message', reason: 'closed' }],
    ['closed wins over nobody on duty', { open: false, agentsOnDuty: 0 }, { kind: 'leave-message', reason: 'closed' }],
    ['closed wins even with an agent signed in and no wait', { open: false, estimatedWaitMinutes: 0 }, { kind: 'leave-message', reason: 'closed' }],
    ['nobody on duty wins over overflow', { agentsOnDuty: 0, estimatedWaitMinutes: 99 }, { kind: 'leave-message', reason: 'nobody-on-duty' }],
  ])('%s', (_, change, expected) => {
    expect(admission({ ...open, ...change })).toEqual(expected);
  });

  it('queues or not from a real estimate', () => {
    const wait = estimateWait({ position: 9, agentsOnDuty: 1, chatsPerAgent: 2, activeChats: 2, recentHandlingMinutes: [6], defaultHandlingMinutes: 10 });
    expect(wait).toBe(30);
    expect(admission({ open: true, agentsOnDuty: 1, estimatedWaitMinutes: wait, maxWaitMinutes: 20 })).toEqual({ kind: 'leave-message', reason: 'overflow' });
  });
});
