import { DirectLine, type Activity } from 'botframework-directlinejs';
import { Observable } from 'rxjs/Observable';
import type { Subscription } from 'rxjs/Subscription';
import WebSocket from 'ws';

/**
 * The official Direct Line client (botframework-directlinejs, what Web Chat runs on) in Node.
 * It needs a browser's XMLHttpRequest and WebSocket: this gives it `fetch` behind its own ajax
 * hook and the `ws` package, and records every request so a test can tell polling from streaming.
 */

/** An activity as received: the library's union type, flattened to the fields tests read. */
export interface Received {
  type: string;
  id?: string;
  text?: string;
  replyToId?: string;
  from: { id: string; name?: string; role?: string };
  channelData?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Client {
  directLine: DirectLine;
  /** Everything the client has received so far, in order. */
  received: Received[];
  /** Every HTTP request the client made, as "METHOD path". */
  requests: string[];
  /** Resolves with the first received activity that matches (already received or still to come). */
  waitFor(match: (a: Received) => boolean): Promise<Received>;
  end(): void;
}

interface AjaxRequest {
  method?: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AjaxError {
  status: number;
  response: { error?: { code: string; message: string } } | null;
}

function fetchAjax(requests: string[]) {
  return (request: AjaxRequest) =>
    Observable.create((observer: { next(v: unknown): void; error(e: unknown): void; complete(): void }) => {
      const method = request.method ?? 'GET';
      requests.push(`${method} ${new URL(request.url).pathname}`);
      const body = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      fetch(request.url, { method, headers: request.headers, body }).then(
        async (res) => {
          const text = await res.text();
          const response = text ? JSON.parse(text) : null;
          if (!res.ok) return observer.error({ status: res.status, response, xhr: { getResponseHeader: (name: string) => res.headers.get(name) } });
          observer.next({ status: res.status, response });
          observer.complete();
        },
        (err: unknown) => observer.error({ status: 0, response: null, message: String(err) }),
      );
    });
}

export function connect(options: { domain: string; token: string; webSocket: boolean; conversationId?: string }): Client {
  // directlinejs decides at construction whether it can stream, from the global WebSocket.
  if (options.webSocket) (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  const requests: string[] = [];
  const directLine = new DirectLine({
    domain: options.domain,
    token: options.token,
    webSocket: options.webSocket,
    pollingInterval: 200,
    ...(options.conversationId && { conversationId: options.conversationId }),
    ajax: fetchAjax(requests),
    WebSocket,
  } as unknown as ConstructorParameters<typeof DirectLine>[0]);
  const received: Received[] = [];
  const waiters: { match: (a: Received) => boolean; resolve: (a: Received) => void }[] = [];
  const subscription: Subscription = directLine.activity$.subscribe((sent) => {
    const activity = sent as unknown as Received;
    received.push(activity);
    for (const w of [...waiters]) {
      if (w.match(activity)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(activity);
      }
    }
  });
  return {
    directLine,
    received,
    requests,
    waitFor: (match) => {
      const seen = received.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    end: () => {
      subscription.unsubscribe();
      directLine.end();
    },
  };
}

/** The resident's user id, which the channel puts in the token for Web Chat to read. */
export function userIdIn(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { user: string };
  return payload.user;
}

/** Sends an activity with the client and resolves with its id, or rejects with the HTTP error. */
export function post(client: Client, activity: Partial<Received>): Promise<string> {
  return new Promise((resolve, reject) => {
    client.directLine.postActivity(activity as unknown as Activity).subscribe({ next: resolve, error: reject });
  });
}
