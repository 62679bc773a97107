import { InProcessDeskEvents, type DeskEvent } from '../../../handoff/events';
import type { DeskRecord } from '../../../handoff/reporting/events';
import { deskRecord, recordDeskEvents } from '../../../handoff/reporting/record';

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

  it('records what is published, at the clock’s time, and logs a failure to record without passing it on', () => {
    const events = new InProcessDeskEvents();
    const kept: [DeskRecord, Date][] = [];
    const errors: string[] = [];
    const now = new Date('2026-11-23T10:00:00Z');
    let failing = false;
    const stop = recordDeskEvents({
      events,
      store: {
        recordDesk: (e, at) => {
          if (failing) throw new Error('disk full');
          kept.push([e, at]);
        },
      },
      reasonOf,
      now: () => now,
      log: { error: (m: string) => errors.push(m) },
    });
    events.publish({ type: 'rated', escalationId: 4, department: 'waste', rating: 5 });
    events.publish({ type: 'agent-message', escalationId: 4, department: 'waste', agentId: '1' });
    expect(kept).toEqual([[{ type: 'rated', escalation: 4, department: 'waste', rating: 5 }, now]]);

    failing = true;
    expect(() => events.publish({ type: 'closed', escalationId: 4, department: 'waste', because: 'closed-by-agent' })).not.toThrow();
    expect(errors).toEqual([expect.stringMatching(/^\[reporting\] recording closed of escalation 4: Error: disk full/)]);

    stop();
    failing = false;
    events.publish({ type: 'rated', escalationId: 5, department: 'waste', rating: 1 });
    expect(kept).toHaveLength(1);
  });
});
