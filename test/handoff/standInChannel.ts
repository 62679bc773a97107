import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the resident's channel: the Bot Connector endpoint a conversation's serviceUrl
 * points at, on localhost, recording what the bot sends there (proactive messages: an agent's
 * replies, pick-up and closing notices). Set `failing` to make it refuse, like a channel that is down.
 */
export interface StandInChannel {
  serviceUrl: string;
  received: { path: string; body: { type?: string; text?: string } }[];
  texts(): string[];
  failing: boolean;
  close(): Promise<void>;
}

export async function startStandInChannel(): Promise<StandInChannel> {
  const channel: Omit<StandInChannel, 'serviceUrl' | 'close'> = {
    received: [],
    texts: () => channel.received.map((r) => r.body.text ?? ''),
    failing: false,
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      // Separate calls: restify patches ServerResponse, and its writeHead does not chain.
      if (channel.failing) {
        res.statusCode = 400;
        res.end();
        return;
      }
      channel.received.push({ path: req.url ?? '', body: JSON.parse(raw || '{}') });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: `sent-${channel.received.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(channel, {
    serviceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
