import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import net from 'node:net';
import { openDatabase, SqliteBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import {
  CLAIM_MS,
  DeliveryWorker,
  deliveryState,
  formatTime,
  plannedDeliveries,
  retryDelayMs,
  type DeliverySettings,
  type LeftMessageFacts,
} from '../../handoff/delivery';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { anotherConnection, forEachBackend } from '../db/backends';
import { startHttpServer } from '../localServer';
import { tempDbFile } from '../tempDb';
import { startSmtpStandIn } from './smtpStandIn';

/** Wednesday 25 November 2026, 7pm in London: Waste and Recycling is closed. */
const now = new Date('2026-11-25T19:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const QUESTION = 'My green bin was missed on Tuesday at BK3 4TN, can someone come back?';
const CONTACT = { kind: 'email' as const, value: 'pat.resident@example.com' };
const SECRET = 'webhook-secret-for-tests';

const facts = (escalationId: number): LeftMessageFacts => ({
  escalationId,
  department: { id: 'waste', name: 'Waste and Recycling', email: 'waste@testshire.example' },
  reason: 'closed',
  question: QUESTION,
  contact: CONTACT,
  leftAt: now,
  replyBy: new Date('2026-11-26T12:00:00Z'),
  summary: 'Missed bin collection',
  entryId: 'bins-missed-collection',
  transcript: [
    { from: 'resident', text: 'my bin was missed' },
    { from: 'bot', text: 'Please wait until 6pm on collection day before reporting it.' },
  ],
});

/** A left message in a real SQLite store, with the deliveries the settings plan. */
async function setup(settings: DeliverySettings, file = ':memory:') {
  const backend = new SqliteBackend(openDatabase(file));
  await migrateAll(backend.sql);
  const queue = new SqlEscalationQueue(backend.sql);
  const store = new SqlLeftMessageStore(backend.sql);
  const leave = async () => {
    const e = await queue.leaveMessage({ conversationId: 'c1', reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, now);
    const f = facts(e.id);
    await store.add({ escalationId: e.id, question: f.question, contact: f.contact, replyBy: f.replyBy!, deliveries: plannedDeliveries(settings, f) }, now);
    return e.id;
  };
  return { backend, store, leave, deliveriesOf: async (id: number) => (await store.deliveries([id])).get(id)! };
}

/** `count` left messages, each with one webhook row whose payload names its escalation, due at `now`. */
async function leaveForWebhook(backend: { sql: SqlOf }, count: number): Promise<number[]> {
  const queue = new SqlEscalationQueue(backend.sql);
  const store = new SqlLeftMessageStore(backend.sql);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const e = await queue.leaveMessage({ conversationId: `c${i}`, reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, now);
    await store.add({ escalationId: e.id, question: QUESTION, contact: CONTACT, deliveries: [{ channel: 'webhook', payload: { escalationId: e.id } }] }, now);
    ids.push(e.id);
  }
  return ids;
}
type SqlOf = ConstructorParameters<typeof SqlLeftMessageStore>[0];

const postedIds = (received: { body: string }[]) => received.map((r) => (JSON.parse(r.body) as { escalationId: number }).escalationId);

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: { error: (line: string) => void lines.push(line) } };
}

/** A real HTTP server standing in for the council's CRM; answers with the statuses given, in turn. */
async function startWebhook(statuses: number[]) {
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = await startHttpServer(({ headers, body }) => {
    received.push({ headers, body });
    const status = statuses.shift() ?? 200;
    return {
      status,
      headers: { 'content-type': 'application/json', ...(status === 302 && { location: '/elsewhere' }) },
      // What a CRM might echo back: it must never reach Parley's logs.
      body: JSON.stringify({ echoed: QUESTION }),
    };
  });
  return { url: `${server.origin}/parley`, received, close: server.close };
}

/** Header (unfolded) and body (quoted-printable decoded) of a raw message. */
function parseMail(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers = head.replace(/\r\n(?=[ \t])/g, '');
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(headers)?.[1];
  const body = rest
    .join('\r\n\r\n')
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { header, body: Buffer.from(body, 'latin1').toString('utf8') };
}

const verifies = (secret: string, body: string, header: string | undefined) => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  return header !== undefined && header.length === expected.length && timingSafeEqual(Buffer.from(header), expected);
};

describe('plannedDeliveries', () => {
  it.each<[string, DeliverySettings, string[]]>([
    ['nothing set', { timeZone: 'Europe/London' }, []],
    ['SMTP only', { timeZone: 'Europe/London', smtp: { from: 'Parley <parley@testshire.example>' } }, ['email']],
    ['webhook only', { timeZone: 'Europe/London', webhookUrl: 'http://crm.example/hook' }, ['webhook']],
    ['both', { timeZone: 'Europe/London', smtp: { from: 'p@t.example' }, webhookUrl: 'http://crm.example/hook' }, ['email', 'webhook']],
  ])('plans one delivery per channel turned on (%s)', (_, settings, channels) => {
    expect(plannedDeliveries(settings, facts(7)).map((d) => d.channel)).toEqual(channels);
  });

  it('builds the email for the department: the reply details first, the conversation after', () => {
    const [email] = plannedDeliveries({ timeZone: 'Europe/London', smtp: { from: 'Parley <parley@testshire.example>' } }, facts(7));
    expect(email!.payload).toEqual({
      from: 'Parley <parley@testshire.example>',
      to: 'waste@testshire.example',
      subject: 'Message from a resident: Missed bin collection (reply by midday on Thursday 26 November 2026)',
      messageId: `<left-message-7-${now.getTime()}@parley>`,
      text: [
        'A resident left a message for Waste and Recycling because the department was closed.',
        '',
        'Reply by midday on Thursday 26 November 2026.',
        '',
        'Their question:',
        QUESTION,
        '',
        'How to reply:',
        'Email: pat.resident@example.com',
        '',
        'Topic: Missed bin collection (bins-missed-collection)',
        '',
        'When you have replied, record your reply in the Parley console so the message is closed: /console#message-7',
        '',
        'The conversation before the message (personal details removed):',
        'Resident: my bin was missed',
        'Assistant: Please wait until 6pm on collection day before reporting it.',
        '',
        'Left at 7pm on Wednesday 25 November 2026. Reference: left-message-7.',
        '',
      ].join('\n'),
    });
  });

  it('names the department in the subject when there is no summary, and leaves out reply-by when there is none', () => {
    const f = { ...facts(8), summary: undefined, entryId: undefined, replyBy: undefined, contact: { kind: 'phone' as const, value: '07700 900123' } };
    const [email] = plannedDeliveries({ timeZone: 'Europe/London', smtp: { from: 'p@t.example' } }, f);
    const { subject, text } = email!.payload as { subject: string; text: string };
    expect(subject).toBe('Message from a resident for Waste and Recycling');
    expect(text).toContain('How to reply:\nPhone: 07700 900123\n');
    expect(text).not.toMatch(/Reply by|Topic:/);
  });

  it('builds the webhook JSON with everything a CRM needs to open a case', () => {
    const [hook] = plannedDeliveries({ timeZone: 'Europe/London', webhookUrl: 'http://crm.example/hook' }, facts(7));
    expect(hook!.payload).toEqual({
      type: 'parley.message-left',
      reference: 'left-message-7',
      escalationId: 7,
      department: { id: 'waste', name: 'Waste and Recycling', email: 'waste@testshire.example' },
      reason: 'closed',
      question: QUESTION,
      contact: CONTACT,
      leftAt: now.toISOString(),
      replyBy: '2026-11-26T12:00:00.000Z',
      summary: 'Missed bin collection',
      entryId: 'bins-missed-collection',
      consoleLink: '/console#message-7',
      transcript: facts(7).transcript,
    });
  });
});

describe('formatTime', () => {
  it.each([
    ['2026-11-26T12:00:00Z', 'midday on Thursday 26 November 2026'],
    ['2026-11-26T00:00:00Z', 'midnight on Thursday 26 November 2026'],
    ['2026-11-26T09:05:00Z', '9:05am on Thursday 26 November 2026'],
    ['2026-11-26T17:00:00Z', '5pm on Thursday 26 November 2026'],
    // British Summer Time: 16:30 UTC is 5:30pm in London.
    ['2026-07-01T16:30:00Z', '5:30pm on Wednesday 1 July 2026'],
  ])('writes %s as "%s" in London', (iso, expected) => {
    expect(formatTime(new Date(iso), 'Europe/London')).toBe(expected);
  });
});

describe('retryDelayMs and deliveryState', () => {
  it.each([
    [1, 30],
    [2, 60],
    [3, 120],
    [5, 480],
    [7, 1920],
    [8, 3600],
    [40, 3600],
  ])('after %i failed attempts waits %i seconds (doubling from 30 s, at most an hour)', (failures, seconds) => {
    expect(retryDelayMs(failures)).toBe(seconds * 1000);
  });

  it.each([
    [{ attempts: 1, deliveredAt: '2026-11-25T19:00:00.000Z' }, 'delivered'],
    [{ attempts: 0 }, 'pending'],
    [{ attempts: 4 }, 'pending'],
    [{ attempts: 5 }, 'failing'],
    [{ attempts: 9, deliveredAt: '2026-11-25T19:00:00.000Z' }, 'delivered'],
  ])('shows %p as %s', (d, state) => {
    expect(deliveryState(d)).toBe(state);
  });
});

describe('DeliveryWorker', () => {
  it('emails the department through a real SMTP server, once', async () => {
    const smtp = await startSmtpStandIn();
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', smtp: { from: 'Parley <parley@testshire.example>' } });
    const id = await leave();
    const worker = new DeliveryWorker({ store, smtpUrl: smtp.url, log: recordingLog().log, now: () => now });
    try {
      expect(await worker.runDue(now)).toEqual({ delivered: 1, failed: 0 });
      expect(await worker.runDue(at(3600))).toEqual({ delivered: 0, failed: 0 });
    } finally {
      await worker.stop();
      await smtp.close();
    }
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.from).toBe('parley@testshire.example');
    expect(mail!.to).toEqual(['waste@testshire.example']);
    const { header, body } = parseMail(mail!.raw);
    expect(header('Subject')).toBe('Message from a resident: Missed bin collection (reply by midday on Thursday 26 November 2026)');
    expect(header('To')).toBe('waste@testshire.example');
    expect(header('Message-ID')).toBe(`<left-message-${id}-${now.getTime()}@parley>`);
    expect(header('X-Parley-Reference')).toBe(`left-message-${id}-email`);
    expect(header('Content-Type')).toMatch(/^text\/plain/);
    expect(body).toContain(QUESTION);
    expect(body).toContain('Email: pat.resident@example.com');
    expect(body).toContain(`/console#message-${id}`);
    expect(await deliveriesOf(id)).toEqual([expect.objectContaining({ channel: 'email', attempts: 1, deliveredAt: now.toISOString() })]);
  });

  it('retries an email the SMTP server refused, 30 s later, and logs the refusal without the resident’s details', async () => {
    const smtp = await startSmtpStandIn({ rejectFirst: true });
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', smtp: { from: 'parley@testshire.example' } });
    const id = await leave();
    const { lines, log } = recordingLog();
    let clock = now;
    const worker = new DeliveryWorker({ store, smtpUrl: smtp.url, log, now: () => clock });
    try {
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 1 });
      expect(await deliveriesOf(id)).toEqual([expect.objectContaining({ attempts: 1, nextAttemptAt: at(30).toISOString(), lastError: expect.stringContaining('452') })]);
      clock = at(29);
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 0 });
      clock = at(30);
      expect(await worker.runDue(clock)).toEqual({ delivered: 1, failed: 0 });
    } finally {
      await worker.stop();
      await smtp.close();
    }
    expect(smtp.mails.map((m) => m.to)).toEqual([['waste@testshire.example']]);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^\\[delivery\\] left message ${id} by email: attempt 1 failed: .*452.*; next attempt at ${at(30).toISOString()}$`))]);
    expect(lines.join('\n')).not.toMatch(/pat\.resident|green bin|BK3/);
  });

  it('posts to the webhook, retries a 500 with back-off from the clock given, and signs every attempt the same way', async () => {
    const hook = await startWebhook([500, 200]);
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', webhookUrl: hook.url });
    const id = await leave();
    const { lines, log } = recordingLog();
    let clock = now;
    const worker = new DeliveryWorker({ store, webhook: { url: hook.url, secret: SECRET }, log, now: () => clock });
    try {
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 1 });
      expect(await deliveriesOf(id)).toEqual([
        expect.objectContaining({ channel: 'webhook', attempts: 1, nextAttemptAt: at(30).toISOString(), lastError: 'HTTP 500' }),
      ]);
      clock = at(29);
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 0 });
      expect(hook.received).toHaveLength(1);
      clock = at(30);
      expect(await worker.runDue(clock)).toEqual({ delivered: 1, failed: 0 });
      clock = at(7200);
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 0 });
    } finally {
      await worker.stop();
      await hook.close();
    }
    expect(hook.received).toHaveLength(2);
    for (const { headers, body } of hook.received) {
      expect(headers['content-type']).toBe('application/json');
      expect(headers['idempotency-key']).toBe(`left-message-${id}-webhook`);
      expect(verifies(SECRET, body, headers['x-parley-signature'] as string)).toBe(true);
      expect(verifies('another-secret', body, headers['x-parley-signature'] as string)).toBe(false);
      expect(JSON.parse(body)).toEqual(expect.objectContaining({ escalationId: id, question: QUESTION, contact: CONTACT }));
    }
    expect(hook.received[1]!.body).toBe(hook.received[0]!.body);
    expect(await deliveriesOf(id)).toEqual([expect.objectContaining({ attempts: 2, deliveredAt: at(30).toISOString(), lastError: 'HTTP 500' })]);
    expect(lines).toEqual([`[delivery] left message ${id} by webhook: attempt 1 failed: HTTP 500; next attempt at ${at(30).toISOString()}`]);
  });

  it('sends no signature header when no secret is set', async () => {
    const hook = await startWebhook([204]);
    const { store, leave } = await setup({ timeZone: 'Europe/London', webhookUrl: hook.url });
    await leave();
    const worker = new DeliveryWorker({ store, webhook: { url: hook.url }, log: recordingLog().log, now: () => now });
    try {
      expect(await worker.runDue(now)).toEqual({ delivered: 1, failed: 0 });
    } finally {
      await worker.stop();
      await hook.close();
    }
    expect(hook.received[0]!.headers).not.toHaveProperty('x-parley-signature');
  });

  it.each([
    [200, true],
    [201, true],
    [204, true],
    [302, false],
    [400, false],
    [429, false],
    [503, false],
  ])('counts a webhook answer of %i as delivered: %p', async (status, ok) => {
    const hook = await startWebhook([status]);
    const { store, leave } = await setup({ timeZone: 'Europe/London', webhookUrl: hook.url });
    await leave();
    const worker = new DeliveryWorker({ store, webhook: { url: hook.url }, log: recordingLog().log, now: () => now });
    try {
      expect(await worker.runDue(now)).toEqual(ok ? { delivered: 1, failed: 0 } : { delivered: 0, failed: 1 });
    } finally {
      await worker.stop();
      await hook.close();
    }
  });

  it('loses nothing while the webhook is down: backs off 30 s doubling, shows failing after 5, delivers after a restart', async () => {
    // A port that was just free and now is not listened on: every attempt is refused.
    const down = await startWebhook([]);
    await down.close();
    const file = tempDbFile();
    const first = await setup({ timeZone: 'Europe/London', webhookUrl: down.url }, file);
    const id = await first.leave();
    const { lines, log } = recordingLog();
    let clock = now;
    const worker = new DeliveryWorker({ store: first.store, webhook: { url: down.url, secret: SECRET }, log, now: () => clock });
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 1 });
      const [row] = await first.deliveriesOf(id);
      const next = new Date(row!.nextAttemptAt);
      waits.push((next.getTime() - clock.getTime()) / 1000);
      expect(deliveryState(row!)).toBe(attempt < 5 ? 'pending' : 'failing');
      clock = next;
    }
    await worker.stop();
    expect(waits).toEqual([30, 60, 120, 240, 480, 960]);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(new RegExp(`^\\[delivery\\] left message ${id} by webhook: attempt 1 failed: fetch failed \\(ECONNREFUSED\\)`));
    expect(lines.join('\n')).not.toMatch(/pat\.resident|green bin|BK3/);
    await first.backend.close();

    // Parley restarts (and the CRM is back): the row is still there, due, with the same body.
    const hook = await startWebhook([200]);
    const backend = new SqliteBackend(openDatabase(file));
    const store = new SqlLeftMessageStore(backend.sql);
    expect((await store.due(clock)).map((d) => [d.escalationId, d.attempts])).toEqual([[id, 6]]);
    const restarted = new DeliveryWorker({ store, webhook: { url: hook.url, secret: SECRET }, log, now: () => clock });
    try {
      expect(await restarted.runDue(clock)).toEqual({ delivered: 1, failed: 0 });
    } finally {
      await restarted.stop();
      await hook.close();
    }
    expect(JSON.parse(hook.received[0]!.body)).toEqual(expect.objectContaining({ escalationId: id, question: QUESTION, leftAt: now.toISOString() }));
    expect((await store.deliveries([id])).get(id)).toEqual([expect.objectContaining({ attempts: 7, deliveredAt: clock.toISOString() })]);
    await backend.close();
  });

  it('keeps a row for a channel that is no longer set up, failing, rather than dropping it', async () => {
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', smtp: { from: 'p@t.example' }, webhookUrl: 'http://crm.example/hook' });
    const id = await leave();
    const { lines, log } = recordingLog();
    const worker = new DeliveryWorker({ store, log, now: () => now });
    expect(await worker.runDue(now)).toEqual({ delivered: 0, failed: 2 });
    await worker.stop();
    expect((await deliveriesOf(id)).map((d) => d.lastError)).toEqual(['no SMTP server is set (PARLEY_SMTP_URL)', 'no webhook URL is set (PARLEY_MESSAGE_WEBHOOK_URL)']);
    expect(lines).toHaveLength(2);
  });

  it('claims each row when it is about to send it, until a time after the clock then, however long the sends before took', async () => {
    const backend = new SqliteBackend(openDatabase(':memory:'));
    await migrateAll(backend.sql);
    const store = new SqlLeftMessageStore(backend.sql);
    const ids = await leaveForWebhook(backend, 3);
    let clock = now;
    // While each row is being posted: the clock then, and the claim the row carries.
    const seen: { id: number; at: Date; claimedUntil: string }[] = [];
    const server = await startHttpServer(async ({ body }) => {
      const id = (JSON.parse(body) as { escalationId: number }).escalationId;
      seen.push({ id, at: clock, claimedUntil: (await store.deliveries([id])).get(id)![0]!.nextAttemptAt });
      // Every send is slow: ten minutes pass before the CRM answers.
      clock = new Date(clock.getTime() + 10 * 60_000);
      return { status: 200 };
    });
    const worker = new DeliveryWorker({ store, webhook: { url: `${server.origin}/` }, log: recordingLog().log, now: () => clock });
    try {
      expect(await worker.runDue(clock)).toEqual({ delivered: 3, failed: 0 });
    } finally {
      await worker.stop();
      await server.close();
      await backend.close();
    }
    expect(seen.map((s) => s.id)).toEqual(ids);
    expect(seen.map((s) => s.at.toISOString())).toEqual([0, 10, 20].map((m) => at(m * 60).toISOString()));
    // Held from the moment it was claimed, not from the start of the run (which had long passed for the later rows).
    expect(seen.map((s) => s.claimedUntil)).toEqual([0, 10, 20].map((m) => new Date(at(m * 60).getTime() + CLAIM_MS).toISOString()));
  });

  it('records nothing, and says so, when its claim ran out during the send and another instance took the row', async () => {
    const file = tempDbFile();
    const backend = new SqliteBackend(openDatabase(file));
    await migrateAll(backend.sql);
    const other = new SqliteBackend(openDatabase(file));
    const store = new SqlLeftMessageStore(backend.sql);
    const elsewhere = new SqlLeftMessageStore(other.sql);
    const [id] = await leaveForWebhook(backend, 1);
    let clock = now;
    let takenOver: { id: number; token: string } | undefined;
    const server = await startHttpServer(async () => {
      // The send outlives its claim, and another instance's worker claims the row meanwhile.
      clock = new Date(now.getTime() + CLAIM_MS);
      const [row] = await elsewhere.due(clock);
      takenOver = await elsewhere.claim(row!.id, clock, new Date(clock.getTime() + CLAIM_MS));
      return { status: 200 };
    });
    const { lines, log } = recordingLog();
    const worker = new DeliveryWorker({ store, webhook: { url: `${server.origin}/` }, log, now: () => clock });
    try {
      expect(await worker.runDue(clock)).toEqual({ delivered: 0, failed: 0 });
      expect(takenOver).toBeDefined();
      const [row] = (await store.deliveries([id!])).get(id!)!;
      expect(row).toEqual(expect.objectContaining({ attempts: 0, nextAttemptAt: new Date(clock.getTime() + CLAIM_MS).toISOString() }));
      expect(row).not.toHaveProperty('deliveredAt');
      expect(lines).toEqual([
        `[delivery] left message ${id} by webhook: sent, but its claim ran out first and another instance holds it now, so that instance records it`,
      ]);
      // The instance that holds the row now is the one whose record counts.
      expect(await elsewhere.markDelivered(takenOver!.id, clock, takenOver!.token)).toBe('recorded');
      expect((await store.deliveries([id!])).get(id!)).toEqual([expect.objectContaining({ attempts: 1, deliveredAt: clock.toISOString() })]);
    } finally {
      await worker.stop();
      await server.close();
      await other.close();
      await backend.close();
    }
  });

  it('gives up an email whose server keeps talking without ever finishing, and closes its connection', async () => {
    // A mail server that greets, then answers EHLO with continuation lines forever: the
    // connection never falls silent, so only the deadline on the whole email can end it.
    const sockets: net.Socket[] = [];
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.write('220 stall.example ESMTP\r\n');
      let drip: NodeJS.Timeout | undefined;
      socket.once('data', () => {
        drip = setInterval(() => socket.write('250-still thinking\r\n'), 20);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        closed();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', smtp: { from: 'parley@testshire.example' } });
    const id = await leave();
    const worker = new DeliveryWorker({
      store,
      smtpUrl: `smtp://127.0.0.1:${port}`,
      log: recordingLog().log,
      now: () => now,
      // Short, so the test is quick; the silence allowed is far longer than the server's pauses.
      timeouts: { webhookMs: 1000, smtpConnectionMs: 1000, smtpGreetingMs: 1000, smtpSocketMs: 2000 },
    });
    try {
      expect(await worker.runDue(now)).toEqual({ delivered: 0, failed: 1 });
      await connectionClosed;
      expect(sockets).toHaveLength(1);
      expect(await deliveriesOf(id)).toEqual([expect.objectContaining({ attempts: 1, lastError: expect.stringMatching(/abort/i) })]);
    } finally {
      await worker.stop();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('runs on its own timer once started, and stop() waits for the run in progress', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startHttpServer(async () => {
      arrived();
      await held;
      return { status: 200 };
    });
    const url = `${server.origin}/`;
    const { store, leave, deliveriesOf } = await setup({ timeZone: 'Europe/London', webhookUrl: url });
    const id = await leave();
    const worker = new DeliveryWorker({ store, webhook: { url }, log: recordingLog().log, now: () => now });
    worker.start(60_000);
    await requestArrived;

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    expect((await deliveriesOf(id))[0]).not.toHaveProperty('deliveredAt');
    release();
    await stopping;
    expect((await deliveriesOf(id))[0]).toEqual(expect.objectContaining({ deliveredAt: now.toISOString() }));
    await server.close();
  });
});

forEachBackend('DeliveryWorker on two instances', (fresh) => {
  it('posts each left message once when both instances’ workers run at the same moment', async () => {
    const backend = await fresh();
    await migrateAll(backend.sql);
    const other = await anotherConnection(backend);
    const hook = await startWebhook([]);
    try {
      const queue = new SqlEscalationQueue(backend.sql);
      const store = new SqlLeftMessageStore(backend.sql);
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) {
        const e = await queue.leaveMessage({ conversationId: `c${i}`, reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, now);
        await store.add({ escalationId: e.id, question: QUESTION, contact: CONTACT, deliveries: [{ channel: 'webhook', payload: { escalationId: e.id } }] }, now);
        ids.push(e.id);
      }
      const { log, lines } = recordingLog();
      const workers = [store, new SqlLeftMessageStore(other.sql)].map((s) => new DeliveryWorker({ store: s, webhook: { url: hook.url }, log, now: () => now }));
      const runs = await Promise.all(workers.map((w) => w.runDue(now)));
      await Promise.all(workers.map((w) => w.stop()));
      expect(lines).toEqual([]);
      expect(runs.reduce((n, r) => n + r.delivered, 0)).toBe(10);
      const posted = hook.received.map((r) => (JSON.parse(r.body) as { escalationId: number }).escalationId);
      expect([...posted].sort((a, b) => a - b)).toEqual(ids);
      const deliveries = await store.deliveries(ids);
      expect(ids.map((id) => deliveries.get(id)![0]!.attempts)).toEqual(Array(10).fill(1));
    } finally {
      await hook.close();
      await other.close();
    }
  });
  it('posts each left message once when a slow webhook makes a run outlast the claims timed from its start', async () => {
    const backend = await fresh();
    await migrateAll(backend.sql);
    const other = await anotherConnection(backend);
    const store = new SqlLeftMessageStore(backend.sql);
    const ids = await leaveForWebhook(backend, 4);
    const { log, lines } = recordingLog();
    let clock = now;
    let secondRun: Promise<{ delivered: number; failed: number }> | undefined;
    const received: { body: string }[] = [];
    const slow = await startHttpServer(async ({ body }) => {
      received.push({ body });
      // Each post takes 45 s: by the second, a minute and a half has passed since the first run began.
      clock = new Date(clock.getTime() + 45_000);
      if (received.length === 2) {
        // While the first instance is still posting its second row, the other instance's worker runs.
        secondRun = workers[1]!.runDue(clock);
        await secondRun;
      }
      return { status: 200 };
    });
    const workers = [store, new SqlLeftMessageStore(other.sql)].map((s) => new DeliveryWorker({ store: s, webhook: { url: `${slow.origin}/` }, log, now: () => clock }));
    try {
      const first = await workers[0]!.runDue(clock);
      const second = await secondRun!;
      await Promise.all(workers.map((w) => w.stop()));
      expect(lines).toEqual([]);
      expect(first.delivered + second.delivered).toBe(4);
      expect(second.delivered).toBeGreaterThan(0);
      expect([...postedIds(received)].sort((a, b) => a - b)).toEqual(ids);
      const deliveries = await store.deliveries(ids);
      expect(ids.map((id) => deliveries.get(id)![0]!.attempts)).toEqual([1, 1, 1, 1]);
    } finally {
      await slow.close();
      await other.close();
    }
  });
});
