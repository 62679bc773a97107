import type { Activity } from 'botbuilder';
import type { Request, Server } from 'restify';
import { z } from 'zod';
import type { Agent, AgentStore } from './agents';
import type { DeskEvent, DeskEvents } from './events';
import { EventStreams, type StreamSettings } from './eventStream';
import type { LiveMessageStore } from './liveMessages';
import { AVAILABILITY, type Absence, type DutyRoster, type PresenceStore } from './presence';
import type { ChangeResult, Escalation, EscalationQueue } from './queue';
import { cookie, HttpError, idParam, mayServe, parse, routeWith, SESSION_COOKIE, signedInWith } from './http';
import type { SessionStore } from './sessions';

/**
 * The duty officers' console API under /api/console/ (issue 5). Every route but login needs a
 * session cookie; every change also needs the session's CSRF token in `x-csrf-token`. Bodies are
 * validated with zod; every refusal is a 4xx with `{ error, message }`.
 */

export interface ConsoleDeps {
  agents: AgentStore;
  sessions: SessionStore;
  queue: EscalationQueue;
  messages: LiveMessageStore;
  /** Sends an agent's words to the resident, on whatever channel they are (proactive message). */
  sendToResident: (reference: unknown, message: string | Partial<Activity>) => Promise<void>;
  /** Minutes a resident at this place in the department's line can expect to wait now. */
  waitMinutes: (department: string, position: number) => Promise<number>;
  /** The transcript before the handoff, by the escalation's conversation. */
  transcript: (escalation: Escalation) => Promise<Partial<Activity>[]>;
  departments: ReadonlySet<string>;
  departmentName: (id: string) => string;
  now: () => Date;
  log: Pick<Console, 'error'>;
  /** Mark the cookie Secure (anything but plain-HTTP localhost). */
  secureCookie: boolean;
  /** What happened on the desk: the console routes publish to it and the event stream reads it. */
  events: DeskEvents;
  presence: PresenceStore;
  roster: Pick<DutyRoster, 'serves' | 'taking'>;
  /** Knowledge-base answers for a search, best first: the canned replies. */
  searchAnswers: (q: string) => CannedReply[];
  /** The page alerts again about a chat still waiting after this long. */
  realertMinutes: number;
  /** Heartbeat and retry of the event stream; tests shorten the heartbeat. */
  stream?: Partial<StreamSettings>;
}

export interface CannedReply {
  id: string;
  title: string;
  answer: string;
}

/** What bot/index.ts needs back: the grace sweep's way to return chats, announcements, and shutdown. */
export interface ConsoleApi {
  /** Puts an agent's active chats back in the queue and tells each resident; returns how many. */
  returnChats(agentId: string, why: Absence): Promise<number>;
  /** Tells the residents waiting for a department their new place and wait (the queue moved). */
  announcePositions(department: string): Promise<void>;
  /** Ends the open event streams, so the server can close. */
  close(): Promise<void>;
}

const loginBody = z.strictObject({ name: z.string().min(1).max(60), password: z.string().min(1).max(200) });
const transferBody = z.strictObject({ department: z.string().min(1) });
const messageBody = z.strictObject({ text: z.string().trim().min(1, { message: 'must not be empty' }).max(4000) });
const statusBody = z.strictObject({
  status: z.enum(AVAILABILITY),
  departments: z.array(z.string().min(1)).min(1, { message: 'choose at least one department (or set yourself away)' }).max(100).optional(),
});
const answersQuery = z.object({ q: z.string().trim().min(1, { message: 'type something to search for' }).max(200) });

/** The rating buttons after a chat closes: the number first, so "4" typed works the same. */
export const RATING_CHOICES = ['1 - Very poor', '2 - Poor', '3 - OK', '4 - Good', '5 - Very good'];

/** Sign-in attempts allowed per name in a window before answering 429: slows password guessing. */
export const LOGIN_LIMIT = { failures: 5, windowMinutes: 15 };

/** What the console shows of an agent: never the password hash. */
const publicAgent = (a: Agent) => ({ id: a.id, name: a.name, role: a.role, departments: a.departments });

export function mountConsoleApi(server: Server, deps: ConsoleDeps): ConsoleApi {
  const { agents, sessions, queue, now, events } = deps;
  const streams = new EventStreams({ events, sessions, presence: deps.presence, now, log: deps.log, ...(deps.stream && { settings: deps.stream }) });

  const signedIn = signedInWith(agents, sessions, now);
  const route = routeWith(deps.log);

  const escalationFor = async (req: Request, agent: Agent): Promise<Escalation> => {
    const id = idParam.safeParse(req.params?.id);
    const e = id.success ? await queue.get(id.data) : undefined;
    if (!e) throw new HttpError(404, 'not-found', `No escalation ${String(req.params?.id)}.`);
    if (!mayServe(agent, e.department)) throw new HttpError(403, 'other-department', `Escalation ${e.id} is for ${e.department}.`);
    return e;
  };

  const view = async (e: Escalation) => ({
    id: e.id,
    department: e.department,
    priority: e.priority,
    reason: e.reason,
    status: e.status,
    entryId: e.entryId ?? null,
    summary: e.summary ?? null,
    queuedAt: e.queuedAt,
    // How long the resident waited: until now while waiting, until pick-up after it.
    waitSeconds: Math.max(0, Math.round(((e.pickedUpAt ? Date.parse(e.pickedUpAt) : now().getTime()) - Date.parse(e.queuedAt)) / 1000)),
    position: (await queue.position(e.id)) ?? null,
    agentId: e.agentId ?? null,
    rating: e.rating ?? null,
  });

  /**
   * A notice to the resident that must not undo what the agent did: a failure is logged (saying
   * `what` could not be sent) and reported as false, never thrown.
   */
  const tell = (e: Escalation, message: string | Partial<Activity>, what: string): Promise<boolean> =>
    deps.sendToResident(e.reference, message).then(
      () => true,
      (err: unknown) => {
        deps.log.error(`[console] escalation ${e.id}: could not tell the resident ${what}: ${String(err)}`);
        return false;
      },
    );

  /** The queue moved: tell everyone still waiting in that department their new place and wait. */
  const announcePositions = async (department: string, except: ReadonlySet<number> = new Set()) => {
    for (const w of await queue.waiting([department])) {
      if (except.has(w.id)) continue;
      const position = await queue.position(w.id);
      if (position === undefined) continue;
      const wait = await deps.waitMinutes(department, position);
      const expect = !Number.isFinite(wait)
        ? 'Someone will be with you as soon as they can.'
        : wait < 1
          ? 'Someone should be with you in a moment.'
          : `The wait is about ${wait} minute${wait === 1 ? '' : 's'}.`;
      await tell(w, `You’re now number ${position} in the queue. ${expect}`, 'their new place in the queue');
    }
  };

  /** An active chat belongs to the agent who picked it up; only they or a supervisor may change it. */
  const mayChange = (agent: Agent, e: Escalation) => {
    if (e.status === 'active' && e.agentId !== String(agent.id) && agent.role !== 'supervisor') {
      throw new HttpError(403, 'not-yours', 'Another agent has this chat.');
    }
  };
  /**
   * Why a change was refused. `changed`: the chat moved on after this request read it (picked up
   * on another instance, returned to the queue), so what the agent decided on no longer holds.
   */
  const refusal = (result: Exclude<ChangeResult, { kind: 'done' }>, agent: Agent) => {
    if (result.kind !== 'changed') return new HttpError(409, 'not-open', `This escalation is ${result.kind === 'refused' ? result.status : 'gone'}.`);
    const someoneElse = result.status === 'active' && result.agentId !== String(agent.id);
    return new HttpError(409, 'changed', someoneElse ? 'This chat was picked up by someone else.' : 'This chat has changed. Look at it again before you act.');
  };

  const returnChats = async (agentId: string, why: Absence): Promise<number> => {
    const returned: Escalation[] = [];
    for (const e of await queue.active(agentId)) {
      // Only while this agent still has it: another instance may be returning the same chats, or
      // someone may have picked one up since the list was read. Only chats moved here are told.
      const result = await queue.requeue(e.id, agentId);
      if (result.kind !== 'done') continue;
      returned.push(result.escalation);
      events.publish({ type: 'requeued', escalationId: e.id, department: e.department, agentId });
    }
    for (const e of returned) {
      const place = (await queue.position(e.id)) ?? 1;
      await tell(
        e,
        `Sorry, the officer you were chatting with has had to leave. You’re back in the queue for ${deps.departmentName(e.department)}: you’re number ${place}. Someone else will be with you as soon as they can.`,
        `that their officer left (${why})`,
      );
    }
    // Their chats keep their place in time, so residents who joined later have moved down.
    const back = new Set(returned.map((e) => e.id));
    for (const department of new Set(returned.map((e) => e.department))) await announcePositions(department, back);
    return returned.length;
  };

  /** The presence an agent sees of themselves, with the departments they may choose from. */
  const me = async (agent: Agent) => {
    const { status } = await deps.presence.get(agent.id, now());
    return {
      status,
      departments: await deps.roster.taking(agent, now()),
      realertMinutes: deps.realertMinutes,
      serves: deps.roster.serves(agent).map((id) => ({ id, name: deps.departmentName(id) })),
    };
  };

  /** Agents hear about their departments' chats (supervisors: all); a transfer also tells the ones it left. */
  const sees = (agent: Agent, e: DeskEvent) => mayServe(agent, e.department) || (e.type === 'transferred' && mayServe(agent, e.from));

  server.post(
    '/api/console/login',
    route(async (req, res) => {
      const body = parse(loginBody, req.body);
      // In the database, not this process: every instance counts the same attempts.
      const window = { minutes: LOGIN_LIMIT.windowMinutes };
      if ((await sessions.failedSignIns(body.name, now(), window)) >= LOGIN_LIMIT.failures) {
        throw new HttpError(429, 'too-many-attempts', `Too many failed sign-ins for this name; try again within ${LOGIN_LIMIT.windowMinutes} minutes.`);
      }
      const agent = await agents.verify(body.name, body.password);
      if (!agent) {
        await sessions.signInFailed(body.name, now(), window);
        throw new HttpError(401, 'invalid-credentials', 'Wrong name or password.');
      }
      await sessions.signInSucceeded(body.name);
      // Sign-ins are rare and cheap to piggyback on: clear out sessions that have expired.
      await sessions.purge(now());
      const { token, session } = await sessions.create(agent.id, now());
      await deps.presence.signedIn(agent.id, now());
      res.header('Set-Cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${deps.secureCookie ? '; Secure' : ''}`);
      res.send(200, { agent: publicAgent(agent), csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    }),
  );

  server.post(
    '/api/console/logout',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      await sessions.end(cookie(req, SESSION_COOKIE)!);
      res.header('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      // Signing out of the last session means leaving the desk: the chats go back at once.
      // Signed in elsewhere too (another browser), the agent is still there to answer them.
      if (!(await sessions.signedInAgents(now())).includes(agent.id)) await returnChats(String(agent.id), 'signed-out');
      res.send(204);
    }),
  );

  server.get(
    '/api/console/queue',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      const serve = (e: Escalation) => mayServe(agent, e.department);
      const waiting = await Promise.all((await queue.waiting()).filter(serve).map(view));
      const active = await Promise.all((await queue.active()).filter(serve).map(view));
      res.send(200, { waiting, active, me: await me(agent) });
    }),
  );

  server.get(
    '/api/console/events',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      const serve = (e: Escalation) => mayServe(agent, e.department);
      const hello = { agentId: agent.id, waiting: (await queue.waiting()).filter(serve).length, active: (await queue.active(String(agent.id))).length };
      streams.start(req, res, {
        agentId: agent.id,
        token: cookie(req, SESSION_COOKIE)!,
        hello,
        wants: (e) => sees(agent, e),
      });
    }),
  );

  server.post(
    '/api/console/status',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const body = parse(statusBody, req.body);
      const serves = deps.roster.serves(agent);
      const foreign = body.departments?.filter((d) => !serves.includes(d)) ?? [];
      if (foreign.length) throw new HttpError(400, 'bad-request', `departments: you do not serve ${foreign.join(', ')}`);
      await deps.presence.setStatus(agent.id, body.status, body.departments && [...new Set(body.departments)], now());
      res.send(200, { me: await me(agent) });
    }),
  );

  server.get(
    '/api/console/departments',
    route(async (req, res) => {
      await signedIn(req, false);
      res.send(200, { departments: [...deps.departments].map((id) => ({ id, name: deps.departmentName(id) })) });
    }),
  );

  server.get(
    '/api/console/answers',
    route(async (req, res) => {
      await signedIn(req, false);
      const search = new URL(req.url ?? '', 'http://console').searchParams;
      const { q } = parse(answersQuery, { q: search.get('q') ?? '' });
      res.send(200, { answers: deps.searchAnswers(q).slice(0, 5) });
    }),
  );

  server.get(
    '/api/console/escalations/:id',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      const e = await escalationFor(req, agent);
      // The transcript is the conversation before a person took over; after that, the live chat.
      const cutoff = e.pickedUpAt ? Date.parse(e.pickedUpAt) : Infinity;
      const transcript = (await deps.transcript(e)).filter((a) => !a.timestamp || new Date(a.timestamp).getTime() < cutoff);
      res.send(200, { escalation: await view(e), transcript, messages: await deps.messages.list(e.id) });
    }),
  );

  server.post(
    '/api/console/escalations/:id/pickup',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const e = await escalationFor(req, agent);
      const result = await queue.pickup(e.id, String(agent.id), now());
      switch (result.kind) {
        case 'picked': {
          events.publish({ type: 'picked-up', escalationId: e.id, department: e.department, agentId: String(agent.id) });
          // The resident learns a person has joined; the pick-up stands even if this fails.
          const firstName = agent.name.split(/\s+/)[0];
          const notified = await tell(e, `You are now chatting with ${firstName} from ${deps.departmentName(e.department)}.`, 'about the pick-up');
          await announcePositions(e.department);
          return void res.send(200, { escalation: await view(result.escalation), residentNotified: notified });
        }
        case 'taken':
          throw new HttpError(409, 'taken', 'Someone else has already picked this up.');
        case 'not-waiting':
          throw new HttpError(409, 'not-waiting', `This escalation is ${result.status}.`);
        case 'not-found':
          throw new HttpError(404, 'not-found', `No escalation ${e.id}.`);
      }
    }),
  );

  server.post(
    '/api/console/escalations/:id/messages',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const e = await escalationFor(req, agent);
      const { text } = parse(messageBody, req.body);
      if (e.status !== 'active') throw new HttpError(409, 'not-active', `Pick this up first: it is ${e.status}.`);
      if (e.agentId !== String(agent.id)) throw new HttpError(403, 'not-yours', 'Another agent has this chat.');
      // Stored first, so a failed delivery loses nothing; delivered after.
      // Only while the chat is still this agent's: another instance may have requeued or moved it since it was read.
      const message = await deps.messages.addWhileActive({ escalationId: e.id, author: 'agent', agentId: String(agent.id), text }, now());
      if (!message) throw new HttpError(409, 'changed', 'This chat has changed. Look at it again before you act.');
      events.publish({ type: 'agent-message', escalationId: e.id, department: e.department, agentId: String(agent.id) });
      try {
        await deps.sendToResident(e.reference, text);
      } catch (err) {
        throw new HttpError(502, 'delivery-failed', `Saved, but not delivered to the resident: ${(err as Error).message}`);
      }
      await deps.messages.markDelivered(message.id, now());
      res.send(200, { message: { ...message, deliveredAt: now().toISOString() } });
    }),
  );

  server.post(
    '/api/console/escalations/:id/transfer',
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const e = await escalationFor(req, agent);
      const { department } = parse(transferBody, req.body);
      if (!deps.departments.has(department)) throw new HttpError(400, 'bad-request', `department: unknown department "${department}"`);
      mayChange(agent, e);
      // Only as read: the notices below branch on `e.status`, which must still be true.
      const result = await queue.transfer(e.id, department, e);
      if (result.kind !== 'done') throw refusal(result, agent);
      events.publish({ type: 'transferred', escalationId: e.id, from: e.department, department });
      const place = await queue.position(e.id);
      await tell(e, `I’ve passed you to ${deps.departmentName(department)}. You’re number ${place ?? 1} in their queue.`, 'about the transfer');
      if (e.status === 'waiting') await announcePositions(e.department);
      res.send(200, { escalation: await view(result.escalation) });
    }),
  );

  /** Ends a chat: closed by the agent, or handed back to the bot; the resident is told which. */
  const endChat = (because: string, notice: (departmentName: string) => string | Partial<Activity>) =>
    route(async (req, res) => {
      const { agent } = await signedIn(req, true);
      const e = await escalationFor(req, agent);
      mayChange(agent, e);
      // A left message is closed by recording the reply sent, so the department's record is whole.
      if (e.status === 'message') throw new HttpError(409, 'left-message', `Escalation ${e.id} is a left message: record the reply with POST /api/console/messages/${e.id}/answer.`);
      const result = await queue.close(e.id, because, now(), e);
      if (result.kind !== 'done') throw refusal(result, agent);
      events.publish({ type: 'closed', escalationId: e.id, department: e.department, because });
      // Only a resident who was chatting hears that it ended; a waiting one was never told it began.
      if (e.status === 'waiting') await announcePositions(e.department);
      if (e.status === 'active') await tell(e, notice(deps.departmentName(e.department)), `(${because})`);
      res.send(200, { escalation: await view(result.escalation) });
    });

  // The closing message asks for a 1-5 rating; the desk takes the resident's answer (handoff/desk.ts).
  server.post(
    '/api/console/escalations/:id/close',
    endChat('closed-by-agent', (d) => ({
      type: 'message',
      text: `This chat has ended. Thank you for contacting ${d}. How would you rate this chat, from 1 (very poor) to 5 (very good)?`,
      suggestedActions: { to: [], actions: RATING_CHOICES.map((title) => ({ type: 'imBack', title, value: title })) },
    })),
  );
  server.post(
    '/api/console/escalations/:id/handback',
    endChat('handed-back', (d) => `${d} has handed you back to the council’s assistant. You can ask me another question.`),
  );

  return { returnChats, announcePositions, close: () => streams.closeAll() };
}

export { SESSION_COOKIE };
