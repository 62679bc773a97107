import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { openDatabase, SqliteBackend } from '../../../bot/db';
import { migrateAll } from '../../../bot/db/schemas';
import type { AdaptiveCard } from '../../../bot/teams/cards';
import { notifyTeamsOfEscalations, type TeamsNotifier } from '../../../bot/teams/notify';
import { InProcessDeskEvents } from '../../../handoff/events';
import { SqlEscalationQueue, type NewEscalation } from '../../../handoff/queue';
import { startStandInChannel, type StandInChannel } from '../../handoff/standInChannel';
import { startHttpServer, type LocalServer } from '../../localServer';
import { tempDbFile } from '../../tempDb';

/**
 * The notifier with real parts: the desk's event hub, the SQLite queue, botbuilder's CloudAdapter
 * in local mode, and a local Bot Connector stand-in as the Teams channel.
 */

const NOW = new Date('2026-11-25T10:00:00Z');
const CHANNEL_ID = '19:duty-officers@thread.tacv2';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const DEPARTMENTS: Record<string, string> = { 'customer-services': 'Customer Services', housing: 'Housing Options' };

type Posted = { type?: string; channelId?: string; conversation?: { id: string; tenantId?: string }; attachments?: { contentType: string; content: AdaptiveCard }[] };

describe('notifyTeamsOfEscalations', () => {
  let backend: SqliteBackend;
  let queue: SqlEscalationQueue;
  let events: InProcessDeskEvents;
  let channel: StandInChannel;
  let errors: string[];
  let notifier: TeamsNotifier | undefined;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  beforeEach(async () => {
    backend = new SqliteBackend(openDatabase(tempDbFile()));
    await migrateAll(backend.sql);
    queue = new SqlEscalationQueue(backend.sql);
    events = new InProcessDeskEvents();
    channel = await startStandInChannel();
    errors = [];
  });
  afterEach(async () => {
    await notifier?.close();
    await channel.close();
    await backend.close();
  });

  function start(serviceUrl = channel.serviceUrl) {
    notifier = notifyTeamsOfEscalations({
      events,
      queue,
      adapter,
      appId: '',
      channel: { serviceUrl, conversationId: CHANNEL_ID, tenantId: TENANT },
      departmentName: (id) => DEPARTMENTS[id] ?? id,
      publicUrl: 'https://chat.brackenford.example',
      timeZone: 'Europe/London',
      now: () => NOW,
      log: { error: (m: string) => errors.push(m) },
    });
    return notifier;
  }

  /** What the desk does when a resident joins the queue. */
  async function residentQueues(e: Partial<NewEscalation> = {}) {
    const result = await queue.enqueue(
      { conversationId: `resident-${Math.random()}`, reference: {}, department: 'customer-services', priority: 'normal', reason: 'asked', summary: 'Asked for a person (asked)', ...e },
      NOW,
    );
    if (result.kind !== 'queued') throw new Error('not queued');
    events.publish({ type: 'queued', escalationId: result.escalation.id, department: result.escalation.department, priority: result.escalation.priority });
    return result.escalation;
  }

  const posted = () => channel.received.map((r) => ({ path: r.path, body: r.body as Posted }));
  const facts = (card: AdaptiveCard) =>
    Object.fromEntries((card.body.find((e) => e.type === 'FactSet')!.facts as { title: string; value: string }[]).map((f) => [f.title, f.value]));

  it('posts one card per resident queued, to the configured channel', async () => {
    start();
    const escalation = await residentQueues();
    await notifier!.close();

    expect(posted()).toHaveLength(1);
    const [{ path, body }] = posted() as [{ path: string; body: Posted }];
    // A new post in the channel, not a reply to some other post.
    expect(path).toBe(`/v3/conversations/${encodeURIComponent(CHANNEL_ID)}/activities`);
    expect(body).not.toHaveProperty('replyToId');
    expect(body).toMatchObject({ type: 'message', channelId: 'msteams', conversation: { id: CHANNEL_ID, tenantId: TENANT } });
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments![0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments![0]!.content;
    expect(facts(card)).toEqual({
      Department: 'Customer Services',
      Priority: 'Normal',
      Reason: 'The resident asked for a person',
      Summary: 'Asked for a person (asked)',
      'Waiting since': 'today at 10am',
    });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Pick up in the console', url: `https://chat.brackenford.example/console#escalation-${escalation.id}` },
    ]);
    expect(errors).toEqual([]);
  });

  it('marks a high-priority escalation', async () => {
    start();
    await residentQueues({ department: 'housing', priority: 'high', reason: 'urgent', summary: 'Homeless or at risk of homelessness' });
    await notifier!.close();
    const card = posted()[0]!.body.attachments![0]!.content;
    expect(card.body[0]).toMatchObject({ text: 'High priority', color: 'Attention' });
    expect(facts(card)).toMatchObject({ Department: 'Housing Options', Priority: 'High' });
  });

  it('ignores every other desk event', async () => {
    start();
    events.publish({ type: 'picked-up', escalationId: 1, department: 'customer-services', agentId: '1' });
    events.publish({ type: 'message-left', escalationId: 2, department: 'customer-services' });
    await notifier!.close();
    expect(channel.received).toEqual([]);
  });

  it('never lets personal data in a summary reach the channel', async () => {
    start();
    await residentQueues({ summary: 'Call me on 07700 900123 about BK3 4TN' });
    await notifier!.close();
    expect(facts(posted()[0]!.body.attachments![0]!.content).Summary).toBe('Call me on [phone] about [postcode]');
  });

  it('stops posting once closed', async () => {
    await start().close();
    await residentQueues();
    expect(channel.received).toEqual([]);
  });

  it('logs, with the escalation id, an escalation the queue does not have', async () => {
    start();
    events.publish({ type: 'queued', escalationId: 999, department: 'customer-services', priority: 'normal' });
    await notifier!.close();
    expect(errors).toEqual(['[teams notify] escalation 999: not found in the queue, no card sent']);
    expect(channel.received).toEqual([]);
  });

  describe('when the channel cannot be reached', () => {
    let broken: LocalServer | undefined;
    afterEach(async () => {
      await broken?.close();
      broken = undefined;
    });

    async function answering500(): Promise<string> {
      broken = await startHttpServer(() => ({ status: 500, body: '{"error":{"code":"ServiceError","message":"Teams is having a bad day"}}' }));
      return `${broken.origin}/`;
    }

    /** A port that was free a moment ago: nothing listens there now. */
    async function closedPort(): Promise<string> {
      const server = await startHttpServer(() => ({ status: 200 }));
      await server.close();
      return `${server.origin}/`;
    }

    it.each([
      ['refuses the card (400)', async (c: StandInChannel) => ((c.failing = true), c.serviceUrl)],
      ['answers 500', () => answering500()],
      ['is not listening', () => closedPort()],
    ])('logs the failure with the escalation id and keeps the escalation waiting, when the channel %s', async (_how, serviceUrl) => {
      start(await serviceUrl(channel));
      const escalation = await residentQueues();
      // Publishing never throws into the resident's turn.
      await expect(notifier!.close()).resolves.toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^\\[teams notify\\] escalation ${escalation.id} \\(customer-services\\): card not delivered to the Teams channel: .+`));
      expect(await queue.get(escalation.id)).toMatchObject({ status: 'waiting' });
      expect((await queue.waiting()).map((e) => e.id)).toEqual([escalation.id]);
    });
  });
});
