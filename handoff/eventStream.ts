import type { Request, Response } from 'restify';
import type { DeskEvent, DeskEvents } from './events';
import type { PresenceStore } from './presence';
import type { SessionStore } from './sessions';

/**
 * Server-sent events for the console (GET /api/console/events): each open stream forwards the
 * desk events its agent may see, as `event: <type>` with the event as JSON `data:`. Events hold
 * ids and departments only, never residents' words; the page fetches the rest through the API.
 *
 * An open stream is how the desk knows an agent is still there: it marks them connected
 * (presence), and each heartbeat renews their session's idle time, so a console left open in
 * a background tab stays signed in until the session's absolute limit. When the session has
 * ended (signed out elsewhere, or that limit), the next heartbeat says `signed-out` and closes.
 */

export interface StreamSettings {
  /** A comment line this often keeps proxies from closing an idle stream (25 s). */
  heartbeatMs: number;
  /** How long the browser waits before reconnecting a dropped stream. */
  retryMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = { heartbeatMs: 25_000, retryMs: 3_000 };

export interface EventStreamDeps {
  events: DeskEvents;
  sessions: Pick<SessionStore, 'touch'>;
  presence: Pick<PresenceStore, 'connect'>;
  now: () => Date;
  log: Pick<Console, 'error'>;
  settings?: Partial<StreamSettings>;
}

export interface StreamRequest {
  agentId: number;
  /** The session cookie's token: the heartbeat renews it. */
  token: string;
  /** The first event's data (counts, so the page can show something at once). */
  hello: Record<string, unknown>;
  /** Which desk events this agent may see. */
  wants: (event: DeskEvent) => boolean;
}

/** One event in the text/event-stream format; JSON has no raw newlines, so one data line. */
export function frame(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class EventStreams {
  private readonly open = new Set<() => void>();
  /** Agents being recorded disconnected as their streams close. */
  private readonly releasing = new Set<Promise<void>>();
  private readonly settings: StreamSettings;

  constructor(private readonly deps: EventStreamDeps) {
    this.settings = { ...DEFAULT_STREAM_SETTINGS, ...deps.settings };
  }

  /** How many streams are open now. */
  get size(): number {
    return this.open.size;
  }

  /** Turns the response into a stream; it stays open until the browser goes or `closeAll`. */
  start(req: Request, res: Response, stream: StreamRequest): void {
    // restify's send() would format and end the response: write the raw stream instead. Its
    // patched writeHead does not return the response, so nothing is chained.
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    // Small frames should leave at once, not wait to be batched with the next.
    req.socket.setNoDelay(true);

    const { log } = this.deps;
    const agent = stream.agentId;
    // Written to the database (other instances count it too); the stream need not wait for it.
    const opening = this.deps.presence.connect(agent, this.deps.now());
    opening.catch((err: unknown) => log.error(`[console] marking agent ${agent} connected: ${describe(err)}`));
    const unsubscribe = this.deps.events.subscribe((event) => {
      if (stream.wants(event)) res.write(frame(event.type, event));
    });
    const heartbeat = setInterval(() => {
      this.deps.sessions.touch(stream.token, this.deps.now()).then(
        (session) => {
          if (closed) return;
          if (session) return void res.write(': heartbeat\n\n');
          res.write(frame('signed-out', {}));
          close();
        },
        (err: unknown) => log.error(`[console] renewing agent ${agent}'s session from their event stream: ${describe(err)}`),
      );
    }, this.settings.heartbeatMs);

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      const closedAt = this.deps.now();
      const releasing: Promise<void> = opening
        // A stream that never got marked connected (logged above) has nothing to release.
        .then((release) => release(closedAt), () => undefined)
        .catch((err: unknown) => log.error(`[console] marking agent ${agent} disconnected: ${describe(err)}`))
        .finally(() => this.releasing.delete(releasing));
      this.releasing.add(releasing);
      this.open.delete(close);
      res.end();
    };
    this.open.add(close);
    res.on('close', close);

    res.write(`retry: ${this.settings.retryMs}\n\n`);
    res.write(frame('hello', stream.hello));
  }

  /**
   * Ends every stream (the server is shutting down: it cannot close while they are open), and
   * settles once each agent is recorded disconnected, so the database is not closed under it.
   */
  closeAll(): Promise<void> {
    for (const close of [...this.open]) close();
    return Promise.all([...this.releasing]).then(() => undefined);
  }
}

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));
