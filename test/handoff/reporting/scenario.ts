import type { Config } from '../../../bot/config';
import { SqlAgentStore } from '../../../handoff/agents';
import { withSql } from '../../app';
import { messageTexts, repliesTo, residentMessage } from '../../bot/residentClient';
import { call, login, type SignedIn } from '../consoleClient';

/**
 * A known set of conversations for the reporting tests, played through the real bot and desk: residents'
 * messages over HTTP (`expectReplies`) and an officer's actions through the console API, each at a
 * set time on the app's clock. Nothing is put in the events store by hand: the figures come from
 * what the bot and the desk recorded. The test of the figures lists what each conversation does and
 * works every figure out from that list.
 *
 * The fixture knowledge base (test/fixtures/kb/valid), in November (London on GMT, so local time is
 * UTC): Customer Services opens Monday to Friday, Waste and Housing on Mondays only.
 */

/** Settings the scenario relies on. */
export const SCENARIO_ENV = {
  // An officer holds two chats at most, and nobody is queued for a wait: the third resident to ask
  // while two chats are in progress overflows to "leave a message".
  PARLEY_CHATS_PER_AGENT: '2',
  PARLEY_MAX_WAIT_MINUTES: '0',
  // "bin recycling" is then a "Did you mean" by a clear margin (its best score is about 0.35).
  PARLEY_SUGGEST_THRESHOLD: '0.25',
  // The officer stays signed in across the two days.
  PARLEY_SESSION_IDLE_MINUTES: '3000',
  PARLEY_SESSION_MAX_HOURS: '72',
} as const;

export const PERIOD = { from: '2026-11-23', to: '2026-11-24' };
/** Tuesday 24 November 2026, 10:30: when the figures are asked for. */
export const REPORT_TIME = new Date('2026-11-24T10:30:00Z');
export const ANN = { name: 'Ann Smith', password: 'ann-password-1' };
export const SAM = { name: 'Sam Jones', password: 'sam-password-1' };

/** Ann: an officer for Customer Services, Waste and Housing (id 1). Sam: a supervisor (id 2). */
export async function addAgents(config: Config): Promise<void> {
  await withSql(config, async (sql) => {
    const agents = new SqlAgentStore(sql);
    await agents.add({ name: ANN.name, departments: ['customer-services', 'waste', 'housing'], password: ANN.password }, new Date('2026-11-01T09:00:00Z'));
    await agents.add({ name: SAM.name, departments: ['customer-services'], role: 'supervisor', password: SAM.password }, new Date('2026-11-01T09:00:00Z'));
  });
}

export interface ScenarioDeps {
  url: string;
  serviceUrl: string;
  /** Moves the app's clock. */
  setClock: (at: Date) => void;
}

export async function playScenario({ url, serviceUrl, setClock }: ScenarioDeps): Promise<void> {
  const at = (time: string) => setClock(new Date(time));
  /** A resident's message at a time; returns the bot's words. */
  const say = async (conversation: string, time: string, text: string) => {
    at(time);
    return messageTexts(await repliesTo(url, residentMessage(text, { conversation, serviceUrl, timestamp: new Date(time) })));
  };
  let ann: SignedIn;
  const officer = async (time: string, method: string, route: string, body?: unknown) => {
    at(time);
    const res = await call(url, ann, method, route, body);
    if (res.status !== 200) throw new Error(`${method} ${route} at ${time}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body!;
  };
  /** The id of the escalation waiting longest in the department. */
  const waiting = async (time: string, department = 'customer-services') => {
    const { waiting: list } = (await officer(time, 'GET', '/api/console/queue')) as { waiting: { id: number; department: string }[] };
    return list.find((e) => e.department === department)!.id;
  };
  const expectStart = (words: string[], start: RegExp) => {
    if (!start.test(words[0] ?? '')) throw new Error(`Expected ${start} but the bot said ${JSON.stringify(words)}`);
  };

  // Sunday 22 November, before the period: counted nowhere.
  await say('rep-c0', '2026-11-22T12:00:00Z', 'how do I pay my council tax');

  // Monday 23 November. Ann signs in and takes chats for Customer Services and Waste, not Housing.
  at('2026-11-23T09:00:00Z');
  ann = await login(url, ANN.name, ANN.password);
  await officer('2026-11-23T09:00:00Z', 'POST', '/api/console/status', { status: 'available', departments: ['customer-services', 'waste'] });

  await say('rep-c1', '2026-11-23T09:00:00Z', 'how do I pay my council tax');
  await say('rep-c1', '2026-11-23T09:01:00Z', 'Yes');

  await say('rep-c2', '2026-11-23T09:05:00Z', 'when is my bin day');
  await say('rep-c2', '2026-11-23T09:06:00Z', 'TE1 1AA');
  await say('rep-c2', '2026-11-23T09:07:00Z', 'No');
  await say('rep-c2', '2026-11-23T09:08:00Z', 'No thanks');

  await say('rep-c3', '2026-11-23T09:10:00Z', 'talk to a person');
  expectStart(await say('rep-c3', '2026-11-23T09:10:00Z', 'Yes, connect me'), /^You’re number 1 in the queue/);
  const e1 = await waiting('2026-11-23T09:12:00Z');
  await officer('2026-11-23T09:12:00Z', 'POST', `/api/console/escalations/${e1}/pickup`);

  await say('rep-c4', '2026-11-23T09:15:00Z', 'talk to a person');
  expectStart(await say('rep-c4', '2026-11-23T09:15:00Z', 'Yes, connect me'), /^You’re number 1 in the queue/);
  const e2 = await waiting('2026-11-23T09:20:00Z');
  await officer('2026-11-23T09:20:00Z', 'POST', `/api/console/escalations/${e2}/pickup`);

  // Ann holds two chats: the next resident overflows and leaves a message.
  await say('rep-c5', '2026-11-23T09:25:00Z', 'talk to a person');
  expectStart(await say('rep-c5', '2026-11-23T09:25:00Z', 'Yes, connect me'), /^The chat queue for Customer Services is full right now/);
  await say('rep-c5', '2026-11-23T09:26:00Z', 'Leave a message');
  await say('rep-c5', '2026-11-23T09:27:00Z', 'Please ring me about my council tax bill');
  expectStart(await say('rep-c5', '2026-11-23T09:28:00Z', 'jo@example.org'), /^Thank you\. Your message has gone to Customer Services/);

  await officer('2026-11-23T09:30:00Z', 'POST', `/api/console/escalations/${e1}/close`);
  expectStart(await say('rep-c3', '2026-11-23T09:31:00Z', '5'), /^Thank you for your rating/);

  await say('rep-c6', '2026-11-23T09:40:00Z', 'talk to a person');
  expectStart(await say('rep-c6', '2026-11-23T09:40:00Z', 'Yes, connect me'), /^You’re number 1 in the queue/);
  expectStart(await say('rep-c6', '2026-11-23T09:45:00Z', 'cancel'), /^You’ve left the queue/);

  await officer('2026-11-23T09:50:00Z', 'POST', `/api/console/escalations/${e2}/close`);
  expectStart(await say('rep-c4', '2026-11-23T09:51:00Z', '2 - Poor'), /^Thank you for your rating/);

  expectStart(await say('rep-c7', '2026-11-23T10:00:00Z', 'can I rent an allotment plot'), /^Sorry, I don’t know the answer to that/);
  await say('rep-c7', '2026-11-23T10:01:00Z', 'allotment waiting list');
  await say('rep-c7', '2026-11-23T10:02:00Z', 'No thanks');

  // Urgent, but nobody is taking Housing chats: a message, which Ann answers at noon.
  await say('rep-c8', '2026-11-23T10:30:00Z', 'I have nowhere to sleep tonight');
  expectStart(await say('rep-c8', '2026-11-23T10:30:00Z', 'Yes'), /^Nobody from Housing Options can join this chat right now/);
  await say('rep-c8', '2026-11-23T10:31:00Z', 'Leave a message');
  await say('rep-c8', '2026-11-23T10:32:00Z', 'I am being evicted on Friday');
  await say('rep-c8', '2026-11-23T10:33:00Z', '07700 900123');

  await say('rep-c9', '2026-11-23T11:00:00Z', 'recycling centre hours');
  await say('rep-c9', '2026-11-23T11:01:00Z', 'Yes');

  const { messages } = (await officer('2026-11-23T12:03:00Z', 'GET', '/api/console/messages')) as { messages: { id: number; department: string }[] };
  const housing = messages.find((m) => m.department === 'housing')!.id;
  await officer('2026-11-23T12:03:00Z', 'POST', `/api/console/messages/${housing}/answer`, { reply: 'Rang the resident and booked an appointment.' });

  // Tuesday 24 November: Waste is closed.
  expectStart(await say('rep-c10', '2026-11-24T09:00:00Z', 'bin recycling'), /Did you mean:$/);
  await say('rep-c10', '2026-11-24T09:01:00Z', '1');
  await say('rep-c10', '2026-11-24T09:02:00Z', 'No');
  expectStart(await say('rep-c10', '2026-11-24T09:03:00Z', 'Yes, connect me'), /^Waste and Recycling is closed right now/);
  await say('rep-c10', '2026-11-24T09:04:00Z', 'No thanks');

  await say('rep-c11', '2026-11-24T09:30:00Z', 'talk to a person');
  await say('rep-c11', '2026-11-24T09:30:00Z', 'Yes, connect me');
  const e6 = await waiting('2026-11-24T09:31:00Z');
  await officer('2026-11-24T09:31:00Z', 'POST', `/api/console/escalations/${e6}/pickup`);
  await officer('2026-11-24T09:35:00Z', 'POST', `/api/console/escalations/${e6}/transfer`, { department: 'waste' });
  await officer('2026-11-24T09:40:00Z', 'POST', `/api/console/escalations/${e6}/pickup`);
  await officer('2026-11-24T09:50:00Z', 'POST', `/api/console/escalations/${e6}/close`);
  // No rating: the resident asks something else instead.
  expectStart(await say('rep-c11', '2026-11-24T09:51:00Z', 'how do I pay my council tax'), /^You can pay your Council Tax online/);

  await say('rep-c12', '2026-11-24T10:00:00Z', 'talk to a person');
  await say('rep-c12', '2026-11-24T10:00:00Z', 'Yes, connect me');
  const e7 = await waiting('2026-11-24T10:05:00Z');
  await officer('2026-11-24T10:05:00Z', 'POST', `/api/console/escalations/${e7}/pickup`);
  await officer('2026-11-24T10:10:00Z', 'POST', `/api/console/escalations/${e7}/handback`);

  // Still waiting when the figures are made.
  await say('rep-c13', '2026-11-24T10:20:00Z', 'talk to a person');
  await say('rep-c13', '2026-11-24T10:20:00Z', 'Yes, connect me');

  await say('rep-c14', '2026-11-24T10:25:00Z', 'hello');
  at(REPORT_TIME.toISOString());
}

/** The days `playMoreDays` adds: the eight working days after the scenario's two. */
export const MORE_DAYS = ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'];

/**
 * More of the same after the scenario, for a dashboard with something to show over time (its
 * browser test and screenshot): each working day a few residents get answers (some say they did
 * not help), one is not understood, and one or two ask for a person, whom Ann picks up, closes
 * and is rated by. Through the bot and the console API like the rest.
 */
export async function playMoreDays({ url, serviceUrl, setClock }: ScenarioDeps): Promise<void> {
  const say = async (conversation: string, time: string, text: string) => {
    setClock(new Date(time));
    return messageTexts(await repliesTo(url, residentMessage(text, { conversation, serviceUrl, timestamp: new Date(time) })));
  };
  // The resident still waiting at the end of the scenario gives up.
  await say('rep-c13', '2026-11-24T10:40:00Z', 'cancel');
  for (const [i, day] of MORE_DAYS.entries()) {
    const t = (hour: number, minute: number) => `${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`;
    setClock(new Date(t(8, 30)));
    const ann = await login(url, ANN.name, ANN.password);
    const officer = async (time: string, route: string) => {
      setClock(new Date(time));
      const res = await call(url, ann, 'POST', route);
      if (res.status !== 200) throw new Error(`POST ${route} at ${time}: ${res.status} ${JSON.stringify(res.body)}`);
    };

    const answered = 3 + ((i * 3) % 5);
    for (let j = 0; j < answered; j++) {
      const c = `more-${i}-${j}`;
      const hour = 9 + ((j * 2 + i) % 7);
      const [question, helped] = j % 2 ? ['recycling centre hours', j % 3 !== 0] : ['how do I pay my council tax', true];
      await say(c, t(hour, 5), question);
      await say(c, t(hour, 6), helped ? 'Yes' : 'No');
      if (!helped) await say(c, t(hour, 7), 'No thanks');
    }
    await say(`more-${i}-lost`, t(11, 15), 'can I rent an allotment plot');

    for (let k = 0; k < 1 + (i % 2); k++) {
      const c = `more-${i}-person-${k}`;
      const hour = 10 + k * 3;
      await say(c, t(hour, 0), 'talk to a person');
      await say(c, t(hour, 0), 'Yes, connect me');
      setClock(new Date(t(hour, 1)));
      const { waiting } = (await call(url, ann, 'GET', '/api/console/queue')).body as { waiting: { id: number }[] };
      const id = waiting[0]!.id;
      await officer(t(hour, 2 + (i % 5)), `/api/console/escalations/${id}/pickup`);
      await officer(t(hour, 12 + ((i * 4) % 11)), `/api/console/escalations/${id}/close`);
      await say(c, t(hour, 25), String(1 + ((i + k + 2) % 5)));
    }
  }
}
