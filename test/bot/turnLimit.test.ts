import type { AddressInfo } from 'node:net';
import { ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { CheckedCloudAdapter } from '../../bot/channelAuth';
import { createServer } from '../../bot/server';
import { TurnLimit } from '../../bot/turnLimit';
import { postToBot, residentMessage } from './residentClient';

/** A promise with its resolve function, so a test decides when work finishes. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every promise callback that can run, run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnLimit', () => {
  it('runs at most max at once and starts the waiting ones in the order they came', async () => {
    const limit = new TurnLimit(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const done = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limit.counts()).toEqual({ running: 2, waiting: 2, max: 2 });

    gates[1]!.open();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.counts()).toEqual({ running: 2, waiting: 1, max: 2 });

    gates[0]!.open();
    gates[2]!.open();
    gates[3]!.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limit.counts()).toEqual({ running: 0, waiting: 0, max: 2 });
  });

  it('frees the slot of work that fails, and passes the failure on', async () => {
    const limit = new TurnLimit(1);
    const failing = limit.run(async () => {
      throw new Error('the turn failed');
    });
    const next = limit.run(async () => 'next ran');
    await expect(failing).rejects.toThrow('the turn failed');
    expect(await next).toBe('next ran');
    expect(limit.counts()).toEqual({ running: 0, waiting: 0, max: 1 });
  });

  it('with max 0 runs everything at once', async () => {
    const limit = new TurnLimit(0);
    const g = gate();
    let started = 0;
    const all = Array.from({ length: 5 }, () =>
      limit.run(async () => {
        started++;
        await g.promise;
      }),
    );
    await settle();
    expect(started).toBe(5);
    expect(limit.counts()).toEqual({ running: 5, waiting: 0, max: 0 });
    g.open();
    await Promise.all(all);
    expect(limit.counts()).toEqual({ running: 0, waiting: 0, max: 0 });
  });

  it('refuses a limit that is not a whole number of 0 or more', () => {
    expect(() => new TurnLimit(-1)).toThrow(RangeError);
    expect(() => new TurnLimit(1.5)).toThrow('a turn limit must be a whole number, 0 or more; got 1.5');
  });
});

describe('the turn limit on /api/messages (restify + CloudAdapter over HTTP)', () => {
  it('runs 2 turns at once, answers the third when one ends, and shows the counts on /healthz', async () => {
    const gates = new Map<string, ReturnType<typeof gate>>();
    const started: string[] = [];
    const bot = {
      async run(context: TurnContext) {
        const id = context.activity.conversation.id;
        started.push(id);
        await gates.get(id)!.promise;
        await context.sendActivity(`done ${id}`);
      },
    };
    const log = { info: () => undefined, error: () => undefined };
    const turns = new TurnLimit(2);
    const server = createServer({ adapter: new CheckedCloudAdapter(new ConfigurationBotFrameworkAuthentication({}), log), bot, health: () => ({}), turns });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ids = ['a', 'b', 'c'];
      for (const id of ids) gates.set(id, gate());
      const answers = ids.map((id) => postToBot(url, residentMessage('hello', { conversation: id, serviceUrl: 'http://localhost:9/unused' })));
      // Until two turns have started and the third request is waiting.
      while (turns.counts().waiting < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      expect([...started].sort()).toEqual(['a', 'b']);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', turns: { running: 2, waiting: 1, max: 2 } });

      gates.get('a')!.open();
      const first = await answers[0]!;
      expect(first.status).toBe(200);
      while (started.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(started[2]).toBe('c');

      gates.get('b')!.open();
      gates.get('c')!.open();
      const bodies = await Promise.all(answers.map(async (a) => ((await (await a).json()) as { activities: { text: string }[] }).activities.map((x) => x.text)));
      expect(bodies).toEqual([['done a'], ['done b'], ['done c']]);
      expect(turns.counts()).toEqual({ running: 0, waiting: 0, max: 2 });
    } finally {
      server.close();
    }
  });
});
