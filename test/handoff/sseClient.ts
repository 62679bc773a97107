import http from 'node:http';

/**
 * Reads a text/event-stream over plain HTTP, as a browser's EventSource would, keeping every
 * event, comment and retry hint in order, so tests can wait for one and check what came before.
 */
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseClient {
  status: number;
  contentType: string | undefined;
  events: SseEvent[];
  comments: string[];
  retry?: number;
  /** Resolves with the first event (from the start of the stream) that matches; never times out by itself. */
  next(match: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, cookie?: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...(cookie && { cookie }) } }, (res) => {
      let buffer = '';
      let ended!: () => void;
      const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
      const client: SseClient = {
        status: res.statusCode ?? 0,
        contentType: res.headers['content-type'],
        events: [],
        comments: [],
        next: (match) => {
          const seen = client.events.find(match);
          return seen ? Promise.resolve(seen) : new Promise((r) => waiters.push({ match, resolve: r }));
        },
        ended: new Promise<void>((r) => (ended = r)),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
            else if (line.startsWith('retry: ')) client.retry = Number(line.slice(7));
          }
          if (!data.length) continue;
          const e = { event, data: JSON.parse(data.join('\n')) as unknown };
          client.events.push(e);
          for (const w of waiters.filter((x) => x.match(e))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      });
      res.on('end', () => ended());
      res.on('close', () => ended());
      resolve(client);
    });
    req.on('error', (err) => {
      // A destroyed request after close() is expected; anything before the answer is a failure.
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
  });
}
