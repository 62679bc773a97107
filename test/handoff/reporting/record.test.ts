import { InProcessDeskEvents, type DeskEvent } from '../../../handoff/events';
import type { DeskRecord } from '../../../handoff/reporting/events';
import { deskRecord, outcomeRecorder, recordDeskEvents } from '../../../handoff/reporting/record';

const reasons = new Map([[4, 'urgent']]);
const reasonOf = (id: number) => reasons.get(id);

describe('desk events as reporting keeps them', () => {
  it.each<[DeskEvent, DeskRecord | undefined]>([
    [{ type: 'queued', escalationId: 4, department: 'housing', priority: 'high' }, { type: 'queued', escalation: 4, department: 'housing', priority: 'high', reason: 'urgent' }],
    [{ type: 'queued', escalationId: 5, department: 'waste', priority: 'normal' }, { type: 'queued', escalation: 5, department: 'waste', priority: 'normal', reason: 'unknown' }],
    [{ type: 'picked-up', escalationId: 4, department: 'housing', agentId: '2' }, { type: 'picked-up', escalation: 4, department: 'housing', agent: '2' }],
    [{ type: 'transferred', escalationId: 4, from: 'housing', department: 'waste' }, { type: 'transferred', escalation: 4, from: 'housing', department: 'waste' }],
    [{ type: 'requeued', escalationId: 4, department: 'waste', agentId: '2' }, { type: 'requeued', escalation: 4, department: 'waste', agent: '2' }],
    [{ type: 'closed', escalationId: 4, department: 'waste', because: 'handed-back' }, { type: 'closed', escalation: 4, department: 'waste', because: 'handed-back' }],
    [{ type: 'rated', escalationId: 4, department: 'waste', rating: 3 }, { type: 'rated', escalation: 4, department: 'waste', rating: 3 }],
    [{ type: 'message-left', escalationId: 4, department: 'housing' }, { type: 'message-left', escalation: 4, department: 'housing', reason: 'urgent' }],
    [{ type: 'message-answered', escalationId: 4, department: 'housing' }, { type: 'message-answered', escalation: 4, department: 'housing' }],
    // Who said what in a chat is no figure: not kept.
    [{ type: 'resident-message', escalationId: 4, department: 'housing', agentId: '2' }, undefined],
    [{ type: 'agent-message', escalationId: 4, department: 'housing', agentId: '2' }, undefined],
  ])('%j', (event, record) => {
    expect(deskRecord(event, reasonOf)).toEqual(record);
  });

  it('records what is published, at the clock’s time, and logs a failure to record without passing it on', async () => {
    const events = new InProcessDeskEvents();
    const kept: [DeskRecord, Date][] = [];
    const errors: string[] = [];
    const now = new Date('2026-11-23T10:00:00Z');
    let failing = false;
    const recorder = recordDeskEvents({
      events,
      store: {
        recordDesk: async (e, at) => {
          if (failing) throw new Error('disk full');
          kept.push([e, at]);
        },
      },
      reasonOf: async (id) => reasonOf(id),
      now: () => now,
      log: { error: (m: string) => errors.push(m) },
    });
    events.publish({ type: 'queued', escalationId: 4, department: 'waste', priority: 'high' });
    events.publish({ type: 'agent-message', escalationId: 4, department: 'waste', agentId: '1' });
    await recorder.idle();
    expect(kept).toEqual([[{ type: 'queued', escalation: 4, department: 'waste', priority: 'high', reason: 'urgent' }, now]]);

    failing = true;
    expect(() => events.publish({ type: 'closed', escalationId: 4, department: 'waste', because: 'closed-by-agent' })).not.toThrow();
    await recorder.idle();
    expect(errors).toEqual([expect.stringMatching(/^\[reporting\] recording closed of escalation 4: Error: disk full/)]);

    recorder.stop();
    failing = false;
    events.publish({ type: 'rated', escalationId: 5, department: 'waste', rating: 1 });
    await recorder.idle();
    expect(kept).toHaveLength(1);
  });

  it('keeps one escalation’s events in the order published, even when an earlier write is slower', async () => {
    const events = new InProcessDeskEvents();
    const kept: string[] = [];
    const recorder = recordDeskEvents({
      events,
      store: {
        // The first write of each escalation is the slow one: without ordering it would land last.
        recordDesk: async (e) => {
          if (e.type === 'queued') await new Promise((r) => setTimeout(r, 20));
          kept.push(`${e.escalation} ${e.type}`);
        },
      },
      reasonOf,
      now: () => new Date('2026-11-23T10:00:00Z'),
      log: { error: (m: string) => kept.push(m) },
    });
    events.publish({ type: 'queued', escalationId: 1, department: 'waste', priority: 'normal' });
    events.publish({ type: 'picked-up', escalationId: 1, department: 'waste', agentId: '2' });
    events.publish({ type: 'picked-up', escalationId: 2, department: 'waste', agentId: '3' });
    events.publish({ type: 'closed', escalationId: 1, department: 'waste', because: 'closed-by-agent' });
    await recorder.idle();
    // Escalation 2 did not wait for escalation 1's slow write.
    expect(kept).toEqual(['2 picked-up', '1 queued', '1 picked-up', '1 closed']);
    recorder.stop();
  });
});

describe('outcomeRecorder', () => {
  const at = new Date('2026-11-23T10:00:00Z');

  it('keeps each step’s event, and an unanswered question redacted, in order per conversation', async () => {
    const kept: string[] = [];
    const outcomes = outcomeRecorder({
      events: {
        recordConversation: async (conversation, event) => {
          if (event.type === 'started') await new Promise((r) => setTimeout(r, 20));
          kept.push(`${conversation} ${event.type}`);
        },
      },
      gaps: {
        record: async (gap, when) => {
          kept.push(`${gap.conversationId} gap ${gap.kind}: ${gap.question} at ${when.toISOString()}`);
          return { id: 1, at: when.toISOString(), day: '2026-11-23', kind: gap.kind, question: gap.question };
        },
      },
      now: () => at,
      log: { error: (m: string) => kept.push(m) },
    });
    outcomes.record({ type: 'started' }, 'conv-a');
    outcomes.record({ type: 'not-understood', gap: { kind: 'not-understood', question: 'call me on 07700 900123 about my bin' } }, 'conv-a');
    outcomes.record({ type: 'started' }, 'conv-b');
    await outcomes.idle();
    expect(kept).toEqual([
      'conv-a started',
      'conv-a gap not-understood: call me on [phone] about my bin at 2026-11-23T10:00:00.000Z',
      'conv-a not-understood',
      'conv-b started',
    ]);
  });

  it('logs a failed write with what it was, and goes on: the resident still gets their reply', async () => {
    const errors: string[] = [];
    const kept: string[] = [];
    const outcomes = outcomeRecorder({
      events: {
        recordConversation: async (_c, event) => {
          if (event.type === 'not-understood') throw new Error('database unreachable');
          kept.push(event.type);
        },
      },
      gaps: {
        record: async () => {
          throw new Error('disk full');
        },
      },
      now: () => at,
      log: { error: (m: string) => errors.push(m) },
    });
    expect(() => outcomes.record({ type: 'not-understood', gap: { kind: 'not-understood', question: 'zorblax' } }, 'conv-a')).not.toThrow();
    outcomes.record({ type: 'none-of-these' }, 'conv-a');
    await outcomes.idle();
    expect(errors).toEqual([
      expect.stringMatching(/^\[gaps\] recording a not-understood question: Error: disk full/),
      expect.stringMatching(/^\[reporting\] recording not-understood: Error: database unreachable/),
    ]);
    expect(kept).toEqual(['none-of-these']);
  });
});
