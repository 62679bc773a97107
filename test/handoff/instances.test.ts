import fs from 'node:fs';
import path from 'node:path';
import type { PostgresBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqlAgentStore } from '../../handoff/agents';
import { alwaysOpen } from '../../scripts/crash/alwaysOpen';
import { startChannel } from '../../scripts/crash/driver';
import { startServer, type ServerProcess } from '../../scripts/crash/server';
import { freshPostgres } from '../db/backends';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDir } from '../tempDb';
import { call, login, type SignedIn } from './consoleClient';

/**
 * Two Parley processes on two ports sharing one PostgreSQL database, as behind a load balancer:
 * a resident on one and an officer on the other, pick-up races between them, and one killed
 * mid-conversation. Real processes (SIGKILL is real), real HTTP, the real web chat channel.
 */

const url = process.env.PARLEY_TEST_DATABASE_URL;
const DEPARTMENTS = ['customer-services', 'waste', 'housing', 'council-tax'];

(url ? describe : describe.skip)(`two instances on one PostgreSQL${url ? '' : ' (skipped: no PARLEY_TEST_DATABASE_URL)'}`, () => {
  jest.setTimeout(120_000);
  let database: PostgresBackend;
  let knowledge: string;
  const servers: ServerProcess[] = [];

  const start = async () => {
    const server = await startServer({
      DATABASE_URL: database.url,
      PARLEY_DATA_DIR: tempDir('parley-instance-'),
      PARLEY_KNOWLEDGE_DIR: knowledge,
      PARLEY_RATE_PER_ADDRESS: '0',
      PARLEY_AGENT_GRACE_SECONDS: '86400',
      PARLEY_CHATS_PER_AGENT: '1000',
      PARLEY_MAX_WAIT_MINUTES: '100000',
    });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    database = await freshPostgres(url!);
    await migrateAll(database.sql);
    const agents = new SqlAgentStore(database.sql);
    for (const name of ['Ann', 'Bob']) await agents.add({ name, departments: DEPARTMENTS, password: `${name.toLowerCase()}-password-1` }, new Date());
    knowledge = alwaysOpen(FIXTURE_KB, path.join(tempDir('parley-instances-kb-'), 'knowledge'));
  });

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await database.close();
  });

  test('a resident on instance 1 escalates; an officer on instance 2 hears of it, picks up and replies; each hears the other', async () => {
    const [one, two] = [await start(), await start()];
    const ann = await login(two.url, 'Ann', 'ann-password-1');
    const stream = listen(two.url, ann);
    await stream.opened;

    const resident = await webChat(one.url);
    await resident.say('talk to a person');
    await resident.say('Yes, connect me');
    await resident.waitFor(/number 1 in the queue/);

    const queued = await stream.waitFor((e) => e.type === 'queued');
    const pickup = await call(two.url, ann, 'POST', `/api/console/escalations/${queued.escalationId}/pickup`);
    expect(pickup.status).toBe(200);
    expect((await call(two.url, ann, 'POST', `/api/console/escalations/${queued.escalationId}/messages`, { text: 'Hello from the other instance' })).status).toBe(200);
    await resident.waitFor(/Hello from the other instance/);

    await resident.say('My bin was missed on Tuesday');
    await stream.waitFor((e) => e.type === 'resident-message' && e.escalationId === queued.escalationId);
    const transcript = await call(two.url, ann, 'GET', `/api/console/escalations/${queued.escalationId}`);
    expect(JSON.stringify(transcript.body)).toContain('My bin was missed on Tuesday');
    stream.close();
  });

  test('two officers on different instances picking up the same chat at once: exactly one gets it, every time', async () => {
    const [one, two] = servers.length >= 2 ? servers : [await start(), await start()];
    const channel = await startChannel();
    const ann = await login(one!.url, 'Ann', 'ann-password-1');
    const bob = await login(two!.url, 'Bob', 'bob-password-1');
    const streams = [listen(one!.url, ann), listen(two!.url, bob)];
    await Promise.all(streams.map((s) => s.opened));
    try {
      for (let round = 0; round < 25; round++) {
        const conversation = `race-${round}-${Date.now()}`;
        await botTurn(one!.url, channel.serviceUrl, conversation, 'talk to a person');
        await botTurn(one!.url, channel.serviceUrl, conversation, 'Yes, connect me');
        const waiting = (await call(one!.url, ann, 'GET', '/api/console/queue')).body!.waiting as { id: number }[];
        const id = Math.max(...waiting.map((e) => e.id));
        const answers = await Promise.all([
          call(one!.url, ann, 'POST', `/api/console/escalations/${id}/pickup`),
          call(two!.url, bob, 'POST', `/api/console/escalations/${id}/pickup`),
        ]);
        expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
        const [who, where] = answers[0]!.status === 200 ? [ann, one!.url] : [bob, two!.url];
        const detail = await call(where, who, 'GET', `/api/console/escalations/${id}`);
        expect(JSON.stringify(detail.body)).toContain('"status":"active"');
        expect((await call(where, who, 'POST', `/api/console/escalations/${id}/close`)).status).toBe(200);
      }
    } finally {
      streams.forEach((s) => s.close());
      await channel.close();
    }
  });

  test('instance 1 killed mid-conversation: the resident carries on through instance 2 with nothing lost', async () => {
    const one = await start();
    const two = await start();
    const bob = await login(two.url, 'Bob', 'bob-password-1');
    const stream = listen(two.url, bob);
    await stream.opened;

    const resident = await webChat(one.url);
    await resident.say('talk to a person');
    await resident.say('Yes, connect me');
    await resident.waitFor(/in the queue/);
    const queued = await stream.waitFor((e) => e.type === 'queued');
    expect((await call(two.url, bob, 'POST', `/api/console/escalations/${queued.escalationId}/pickup`)).status).toBe(200);
    await resident.say('before the crash zqa');

    one.child.kill('SIGKILL');
    await one.exited;

    resident.moveTo(two.url);
    await resident.say('after the crash zqb');
    await stream.waitFor((e) => e.type === 'resident-message' && e.escalationId === queued.escalationId);
    expect((await call(two.url, bob, 'POST', `/api/console/escalations/${queued.escalationId}/messages`, { text: 'Still here zqc' })).status).toBe(200);
    await resident.waitFor(/Still here zqc/);

    const detail = JSON.stringify((await call(two.url, bob, 'GET', `/api/console/escalations/${queued.escalationId}`)).body);
    for (const words of ['talk to a person', 'before the crash zqa', 'after the crash zqb', 'Still here zqc']) expect(detail).toContain(words);
    stream.close();
  });

  test('an edit to the knowledge base reaches every instance', async () => {
    const [one, two] = [await start(), await start()];
    const before = await Promise.all([one, two].map(async (s) => ((await (await fetch(`${s.url}/healthz`)).json()) as { knowledge: { version: string } }).knowledge.version));
    expect(before[0]).toBe(before[1]);
    const file = path.join(knowledge, 'entries.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("answer: You're welcome.", "answer: You're very welcome."));
    const seen = async (s: ServerProcess) => {
      for (let i = 0; i < 100; i++) {
        const { knowledge: k } = (await (await fetch(`${s.url}/healthz`)).json()) as { knowledge: { version: string } };
        if (k.version !== before[0]) return k.version;
        await new Promise((r) => setTimeout(r, 200));
      }
      return before[0];
    };
    const after = await Promise.all([seen(one), seen(two)]);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).toBe(after[0]);
  });
});

/** One resident turn on /api/messages (a stand-in channel takes proactive messages). */
async function botTurn(base: string, serviceUrl: string, conversation: string, text: string): Promise<void> {
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      text,
      channelId: 'instances-test',
      serviceUrl,
      from: { id: `resident-${conversation}`, role: 'user' },
      recipient: { id: 'parley', role: 'bot' },
      conversation: { id: conversation },
      deliveryMode: 'expectReplies',
    }),
  });
  expect(res.status).toBe(200);
}

interface DeskEvent {
  type: string;
  escalationId: number;
}

/** The officer's live stream (server-sent events), with the events so far and a way to wait for one. */
function listen(base: string, as: SignedIn) {
  const events: DeskEvent[] = [];
  const abort = new AbortController();
  let opened!: () => void;
  let failed!: (err: Error) => void;
  const openedPromise = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  void fetch(`${base}/api/console/events`, { headers: { cookie: as.cookie }, signal: abort.signal })
    .then(async (res) => {
      if (res.status !== 200) return failed(new Error(`The event stream answered ${res.status}`));
      opened();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += Buffer.from(chunk).toString();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('');
          if (data) {
            try {
              events.push(JSON.parse(data) as DeskEvent);
            } catch {
              // A comment or keep-alive: not an event.
            }
          }
        }
      }
    })
    .catch((err: Error) => {
      // Closing the stream aborts it; the instance being killed ends it. Either way the test's
      // waitFor says what it did not hear.
      if (err.name !== 'AbortError') failed(err);
    });
  return {
    opened: openedPromise,
    events,
    async waitFor(match: (e: DeskEvent) => boolean): Promise<DeskEvent> {
      for (let i = 0; i < 300; i++) {
        const found = events.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`No such event; heard: ${JSON.stringify(events)}`);
    },
    close: () => abort.abort(),
  };
}

/** A resident's web chat on Parley's Direct Line channel, by plain HTTP polling, as Web Chat does without a socket. */
async function webChat(base: string) {
  let at = base;
  const { token } = (await (await fetch(`${base}/api/directline/token`, { method: 'POST' })).json()) as { token: string };
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers: auth });
  expect(started.status).toBe(201);
  const { conversationId } = (await started.json()) as { conversationId: string };
  const texts: string[] = [];
  let watermark = '';
  const read = async () => {
    const res = await fetch(`${at}/v3/directline/conversations/${conversationId}/activities${watermark ? `?watermark=${watermark}` : ''}`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { activities: { type: string; text?: string; from: { role?: string } }[]; watermark?: string };
    for (const a of body.activities) if (a.type === 'message' && a.from.role !== 'user') texts.push(a.text ?? '');
    if (body.watermark !== undefined) watermark = body.watermark;
  };
  return {
    texts,
    moveTo(other: string) {
      at = other;
    },
    async say(text: string) {
      const res = await fetch(`${at}/v3/directline/conversations/${conversationId}/activities`, { method: 'POST', headers: auth, body: JSON.stringify({ type: 'message', text }) });
      expect(res.status).toBe(200);
    },
    async waitFor(pattern: RegExp): Promise<string> {
      for (let i = 0; i < 300; i++) {
        await read();
        const found = texts.find((t) => pattern.test(t));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`No bot message matching ${pattern}; got: ${JSON.stringify(texts)}`);
    },
  };
}
