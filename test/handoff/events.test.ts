import { InProcessDeskEvents, SharedDeskEvents, type DeskEvent } from '../../handoff/events';
import { describeInstances } from '../db/backends';

const queued: DeskEvent = { type: 'queued', escalationId: 7, department: 'waste', priority: 'normal' };

describe('desk events', () => {
  test('in one process, every listener hears an event before publish returns', () => {
    const events = new InProcessDeskEvents();
    const everywhere: DeskEvent[] = [];
    const here: DeskEvent[] = [];
    events.subscribe((e) => everywhere.push(e));
    const stop = events.subscribeLocal((e) => here.push(e));
    events.publish(queued);
    expect(everywhere).toEqual([queued]);
    expect(here).toEqual([queued]);
    stop();
    events.publish({ ...queued, escalationId: 8 });
    expect(here).toHaveLength(1);
  });

  describeInstances('desk events', (fresh, another) => {
    test('an event reaches every instance; only the instance it happened on hears it locally', async () => {
      const one = await fresh();
      const two = await another(one);
      const problems: string[] = [];
      const log = { error: (m: string) => void problems.push(m) };
      const [a, b] = [new SharedDeskEvents(one.broadcast, log), new SharedDeskEvents(two.broadcast, log)];
      const heard = { a: [] as DeskEvent[], b: [] as DeskEvent[], aLocal: [] as DeskEvent[], bLocal: [] as DeskEvent[] };
      a.subscribe((e) => heard.a.push(e));
      b.subscribe((e) => heard.b.push(e));
      a.subscribeLocal((e) => heard.aLocal.push(e));
      b.subscribeLocal((e) => heard.bLocal.push(e));
      await Promise.all([one.broadcast.ready(), two.broadcast.ready()]);
      a.publish(queued);
      for (let i = 0; i < 300 && (heard.a.length === 0 || heard.b.length === 0); i++) await new Promise((r) => setTimeout(r, 10));
      expect(heard).toEqual({ a: [queued], b: [queued], aLocal: [queued], bLocal: [] });
      expect(problems).toEqual([]);
    });
  });
});
