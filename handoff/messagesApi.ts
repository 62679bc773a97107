import type { Request, Server } from 'restify';
import { z } from 'zod';
import type { Agent, AgentStore } from './agents';
import { deliveryState } from './delivery';
import type { DeskEvents } from './events';
import { HttpError, idParam, mayServe, parse, routeWith, signedInWith } from './http';
import type { Delivery, LeftMessage, LeftMessageStore } from './leftMessages';
import type { Escalation, EscalationQueue } from './queue';
import type { SessionStore } from './sessions';

/**
 * The console's routes for left messages (out of hours, nobody on duty, overflow): the list,
 * one message, and recording the reply an agent sent, which closes it. Same rules as the rest of
 * the console API (handoff/http.ts): a session for everything, CSRF for changes, agents see
 * their departments' messages and supervisors all.
 */

export interface MessagesApiDeps {
  agents: AgentStore;
  sessions: SessionStore;
  queue: EscalationQueue;
  leftMessages: LeftMessageStore;
  events: DeskEvents;
  departmentName: (id: string) => string;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

const listQuery = z.object({ status: z.enum(['open', 'answered', 'all']).default('open') });
const answerBody = z.strictObject({ reply: z.string().trim().min(1, { message: 'must not be empty' }).max(4000) });

export function mountMessagesApi(server: Server, deps: MessagesApiDeps): void {
  const { queue, leftMessages, now } = deps;
  const signedIn = signedInWith(deps.agents, deps.sessions, now);
  const route = routeWith(deps.log);

  /** The console's view of a message. Field names are a contract with the console page. */
  const view = (m: LeftMessage, e: Escalation, deliveries: readonly Delivery[]) => ({
    id: m.escalationId,
    department: e.department,
    departmentName: deps.departmentName(e.department),
    reason: e.reason,
    question: m.question,
    contact: m.contact,
    leftAt: m.leftAt,
    replyBy: m.replyBy ?? null,
    status: m.answer ? ('answered' as const) : ('open' as const),
    answer: m.answer ?? null,
    deliveries: deliveries.map((d) => ({
      channel: d.channel,
      state: deliveryState(d),
      attempts: d.attempts,
      deliveredAt: d.deliveredAt ?? null,
      lastError: d.lastError ?? null,
    })),
  });

  const viewOne = async (m: LeftMessage, e: Escalation) => view(m, e, (await leftMessages.deliveries([m.escalationId])).get(m.escalationId) ?? []);

  const messageFor = async (req: Request, agent: Agent): Promise<{ message: LeftMessage; escalation: Escalation }> => {
    const id = idParam.safeParse(req.params?.id);
    const message = id.success ? await leftMessages.get(id.data) : undefined;
    const escalation = message && (await queue.get(message.escalationId));
    if (!message || !escalation) throw new HttpError(404, 'not-found', `No left message ${String(req.params?.id)}.`);
    if (!mayServe(agent, escalation.department)) throw new HttpError(403, 'other-department', `Message ${message.escalationId} is for ${escalation.department}.`);
    return { message, escalation };
  };

  server.get(
    '/api/console/messages',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      const { status } = parse(listQuery, Object.fromEntries(new URLSearchParams(req.getQuery())));
      const listed = await leftMessages.list(status === 'all' ? undefined : status);
      const withEscalations = await Promise.all(listed.map(async (m) => ({ m, e: await queue.get(m.escalationId) })));
      const mine = withEscalations.filter((x): x is { m: LeftMessage; e: Escalation } => x.e !== undefined && mayServe(agent, x.e.department));
      const deliveries = await leftMessages.deliveries(mine.map((x) => x.m.escalationId));
      res.send(200, { messages: mine.map(({ m, e }) => view(m, e, deliveries.get(m.escalationId) ?? [])) });
    }),
  );

  server.get(
    '/api/console/messages/:id',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      const { message, escalation } = await messageFor(req, agent);
      res.send(200, { message: await viewOne(message, escalation) });
    }),
  );

  server.post(
    '/api/console/messages/:id/answer',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const { escalation } = await messageFor(req, agent);
      const { reply } = parse(answerBody, req.body);
      // The reply and the close stand or fall together: a closed message always says what was replied.
      const answered = await leftMessages.atomically(async (tx) => {
        const result = await leftMessages.on(tx).answer(escalation.id, String(agent.id), reply, now());
        if (result.kind === 'already-answered') throw new HttpError(409, 'already-answered', 'Someone has already recorded a reply to this message.');
        if (result.kind === 'not-found') throw new HttpError(404, 'not-found', `No left message ${escalation.id}.`);
        const closed = await queue.on(tx).close(escalation.id, 'message-answered', now());
        // Closed some other way without a reply (a supervisor's close): record the reply all the same.
        if (closed.kind === 'refused' && closed.status !== 'closed') {
          throw new HttpError(409, 'not-open', `This escalation is ${closed.status}, not a left message.`);
        }
        return result.message;
      });
      deps.events.publish({ type: 'message-answered', escalationId: escalation.id, department: escalation.department });
      res.send(200, { message: await viewOne(answered, (await queue.get(escalation.id)) ?? escalation) });
    }),
  );
}
