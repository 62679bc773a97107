import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real HTTP servers on localhost standing in for what Parley talks to (a Bot Connector, a CRM's
 * webhook, Azure's Direct Line) or for a server under test.
 */

export interface ReceivedRequest {
  method: string;
  /** The path and query, as the request line gave them. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>`, no slash at the end. */
  origin: string;
  close(): Promise<void>;
}

/** Any server with node's listen and close: node's http, restify's. */
interface Listening {
  listen(port: number, host: string, listening: () => void): unknown;
  address(): AddressInfo | string | null;
  close(closed: () => void): unknown;
}

/** Starts `server` on a free port of 127.0.0.1. */
export async function listenLocally(server: Listening): Promise<LocalServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP server that reads each request whole, then answers it as `answer` says (at once, or when its promise settles). */
export function startHttpServer(answer: (request: ReceivedRequest) => Answer | Promise<Answer>): Promise<LocalServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      // A stand-in that throws is a broken test: answer 500 with the error, where the test will see it.
      const answered = Promise.resolve()
        .then(() => answer(request))
        .catch((err: unknown): Answer => ({ status: 500, body: `stand-in failed: ${String(err)}` }));
      void answered.then(({ status, headers = {}, body }) => {
        // One call at a time: restify, loaded by other tests in the same worker, patches writeHead so it does not chain.
        res.statusCode = status;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.end(body);
      });
    });
  });
  return listenLocally(server);
}
