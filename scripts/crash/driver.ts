import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ledger } from './ledger';
import type { Random } from './random';

/**
 * Drives the server the way residents and a duty officer do, one step at a time, and writes each
 * acknowledged step into the ledger. A step that fails (the server was killed under it) ends the
 * conversation it belonged to: it was never acknowledged, so it is not in the ledger.
 */

export class StepFailed extends Error {
  constructor(step: string, detail: string) {
    super(`${step}: ${detail}`);
    this.name = 'StepFailed';
  }
}

export interface Agent {
  cookie: string;
  csrf: string;
}

/** The Bot Connector the bot sends agents' replies and notices to: accepts everything. */
export async function startChannel(): Promise<{ serviceUrl: string; close(): Promise<void> }> {
  let sent = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `sent-${++sent}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function request(step: string, url: string, init: RequestInit): Promise<{ status: number; body: any }> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new StepFailed(step, (err as Error).cause ? String((err as Error).cause) : (err as Error).message);
  }
  const text = await res.text().catch((err: unknown) => {
    throw new StepFailed(step, `reading the answer: ${String(err)}`);
  });
  if (res.status < 200 || res.status > 299) throw new StepFailed(step, `HTTP ${res.status} ${text}`);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export class Driver {
  private activities = 0;
  private tokens = 0;
  private conversations = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly random: Random,
    private readonly serviceUrl: string,
    /** Keeps conversation ids apart from an earlier run on the same data folder. */
    private readonly runId: string,
  ) {}

  /**
   * A word the redactor leaves alone and no other message contains, to find a message again. The
   * count is written in the letters a to p only, so "zq" and "x" mark its ends and no token is part
   * of another ("zqzx" was part of "zqzxx", which the first long run counted as a duplicate).
   */
  private token(): string {
    let n = ++this.tokens;
    let word = '';
    do {
      word = String.fromCharCode(97 + (n % 16)) + word;
      n = Math.floor(n / 16);
    } while (n > 0);
    return `zq${word}x`;
  }

  /** One resident turn with expectReplies; the activity is acknowledged once the 200 arrives. */
  async resident(url: string, conversationId: string, text: string): Promise<string[]> {
    const id = `${this.runId}-a${++this.activities}`;
    const { body } = await request('resident turn', `${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id,
        text,
        channelId: 'crash-test',
        serviceUrl: this.serviceUrl,
        from: { id: `resident-${conversationId}`, role: 'user' },
        recipient: { id: 'parley', role: 'bot' },
        conversation: { id: conversationId },
        deliveryMode: 'expectReplies',
      }),
    });
    this.ledger.record({ kind: 'transcripts', conversationId, activityId: id });
    return ((body?.activities ?? []) as { type?: string; text?: string }[]).filter((a) => a.type === 'message').map((a) => a.text ?? '');
  }

  async console(url: string, agent: Agent, method: string, route: string, body?: unknown): Promise<any> {
    return (
      await request(`${method} ${route}`, `${url}${route}`, {
        method,
        headers: { cookie: agent.cookie, 'x-csrf-token': agent.csrf, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      })
    ).body;
  }

  async signIn(url: string, name: string, password: string): Promise<Agent> {
    const res = await fetch(`${url}/api/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) }).catch(
      (err: unknown) => {
        throw new StepFailed('sign-in', String(err));
      },
    );
    const body = (await res.json()) as { csrfToken?: string };
    if (res.status !== 200 || !body.csrfToken) throw new StepFailed('sign-in', `HTTP ${res.status}`);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    this.ledger.record({ kind: 'agentSessions', token: decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)) });
    return { cookie, csrf: body.csrfToken };
  }

  /** Keeps the agent's event stream open (an agent counts as connected only with one) until the server goes. */
  connect(url: string, agent: Agent): AbortController {
    const abort = new AbortController();
    void fetch(`${url}/api/console/events`, { headers: { cookie: agent.cookie }, signal: abort.signal })
      .then(async (res) => {
        for await (const chunk of res.body ?? []) void chunk;
      })
      .catch(() => undefined);
    return abort;
  }

  /** One resident's visit: queued and chatted with (most), or a left message while the agent is away. */
  async visit(url: string, agent: Agent): Promise<void> {
    const conversationId = `${this.runId}-c${++this.conversations}`;
    if (this.random.next() < 0.3) return this.leaveMessage(url, agent, conversationId);

    await this.resident(url, conversationId, 'talk to a person');
    const [queued] = await this.resident(url, conversationId, 'Yes, connect me');
    if (!queued || !/number \d+ in the queue/.test(queued)) throw new StepFailed('queue', `unexpected reply: ${String(queued)}`);
    // The newest waiting resident is this one: steps run one at a time.
    const { waiting } = await this.console(url, agent, 'GET', '/api/console/queue');
    const escalationId = Math.max(...(waiting as { id: number }[]).map((e) => e.id));
    this.ledger.record({ kind: 'escalations', conversationId, escalationId });
    this.ledger.record({ kind: 'queuePositions', conversationId, escalationId });
    await this.resident(url, conversationId, `hello ${this.token()} is anyone there`);
    // Some stay in the queue, so that places are checked across crashes too.
    if (this.random.next() < 0.3) return;

    await this.console(url, agent, 'POST', `/api/console/escalations/${escalationId}/pickup`);
    this.ledger.record({ kind: 'escalationChanges', escalationId, stage: 'active' });
    const fromAgent = this.token();
    await this.console(url, agent, 'POST', `/api/console/escalations/${escalationId}/messages`, { text: `Thank you, ${fromAgent}, I am looking now.` });
    this.ledger.record({ kind: 'liveMessages', escalationId, author: 'agent', token: fromAgent });
    const fromResident = this.token();
    await this.resident(url, conversationId, `the bin ${fromResident} was not emptied`);
    this.ledger.record({ kind: 'liveMessages', escalationId, author: 'resident', token: fromResident });
    if (this.random.next() < 0.5) {
      await this.console(url, agent, 'POST', `/api/console/escalations/${escalationId}/close`);
      this.ledger.record({ kind: 'escalationChanges', escalationId, stage: 'closed' });
    }
  }

  private async leaveMessage(url: string, agent: Agent, conversationId: string): Promise<void> {
    // With the only agent away, nobody is on duty: the resident is offered a message instead.
    await this.console(url, agent, 'POST', '/api/console/status', { status: 'away' });
    try {
      await this.resident(url, conversationId, 'talk to a person');
      await this.resident(url, conversationId, 'Yes, connect me');
      await this.resident(url, conversationId, 'Leave a message');
      const token = this.token();
      await this.resident(url, conversationId, `My bin ${token} was missed again this week.`);
      const [thanks] = await this.resident(url, conversationId, 'jo.bloggs@example.org');
      const reference = /reference is M(\d+)/.exec(thanks ?? '');
      if (!reference) throw new StepFailed('left message', `unexpected reply: ${String(thanks)}`);
      this.ledger.record({ kind: 'leftMessages', escalationId: Number(reference[1]), token });
    } finally {
      await this.console(url, agent, 'POST', '/api/console/status', { status: 'available' });
    }
  }
}
