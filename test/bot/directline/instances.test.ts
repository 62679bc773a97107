import restify from 'restify';
import WebSocket from 'ws';
import { migrateStore, type Backend } from '../../../bot/db';
import { PostgresBroadcast } from '../../../bot/db/broadcast';
import { mountLocalDirectLine, type MountedChannel } from '../../../bot/directline/mount';
import { DIRECTLINE_SCHEMA } from '../../../bot/directline/store';
import { anotherInstance, forEachBackend } from '../../db/backends';
import { listenLocally, type LocalServer } from '../../localServer';

const now = () => new Date('2026-11-25T10:00:00Z');

interface Instance {
  origin: string;
  errors: string[];
  close(): Promise<void>;
}

/**
 * One Parley instance's web channel on its own restify server and its own backend, with a
 * stand-in bot at /api/messages that takes every activity and says nothing.
 */
async function startInstance(backend: Backend): Promise<Instance> {
  const server = restify.createServer();
  server.use(restify.plugins.bodyParser());
  server.post('/api/messages', async (_req, res) => {
    res.send(200);
  });
  const errors: string[] = [];
  let listening: LocalServer | undefined;
  const channel: MountedChannel = mountLocalDirectLine(server, {
    sql: backend.sql,
    broadcast: backend.broadcast,
    ready: Promise.resolve(),
    selfUrl: () => listening!.origin,
    tokenLifetimeMs: 30 * 60_000,
    retentionMs: 24 * 3_600_000,
    maxActivityBytes: 16_384,
    now,
    log: { info: () => undefined, error: (line: string) => errors.push(line) },
  });
  listening = await listenLocally(server);
  // Listening on PostgreSQL before anything is posted: a NOTIFY sent earlier reaches no one.
  if (backend.broadcast instanceof PostgresBroadcast) await backend.broadcast.ready();
  return {
    origin: listening.origin,
    errors,
    close: async () => {
      const closed = channel.close();
      await listening!.close();
      await closed;
    },
  };
}

async function json(res: Response): Promise<Record<string, any>> {
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Record<string, any>;
}

/** A WebSocket client that keeps every activity set it receives. */
function openStream(url: string): Promise<{ texts: () => string[]; until: (n: number) => Promise<void>; close: () => void }> {
  const ws = new WebSocket(url);
  const sets: { activities: { text?: string }[] }[] = [];
  const waiting: (() => void)[] = [];
  ws.on('message', (data) => {
    sets.push(JSON.parse(String(data)));
    waiting.splice(0).forEach((wake) => wake());
  });
  const texts = () => sets.flatMap((s) => s.activities.map((a) => String(a.text)));
  return new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        texts,
        until: async (n) => {
          while (texts().length < n) await new Promise<void>((wake) => waiting.push(wake));
        },
        close: () => ws.close(),
      }),
    );
  });
}

forEachBackend('the web channel on two instances sharing one database', (fresh) => {
  it('a socket opened on one instance receives what the bot posts through the other, once each, in order', async () => {
    const first = await fresh();
    await migrateStore(first.sql, DIRECTLINE_SCHEMA);
    const twin = await anotherInstance(first);
    const one = await startInstance(first);
    const two = await startInstance(twin.backend);
    try {
      // The resident's page gets its token and stream URL from instance two (the ticket is in the
      // database) and its WebSocket lands on instance one.
      const { token, conversationId } = await json(await fetch(`${two.origin}/api/directline/token`, { method: 'POST' }));
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const { streamUrl } = await json(await fetch(`${two.origin}/v3/directline/conversations`, { method: 'POST', headers: auth }));
      const stream = await openStream(String(streamUrl).replace(new URL(two.origin).host, new URL(one.origin).host));

      // The bot's reply (or an officer's words, sent proactively) arrives at instance two's Connector routes.
      const toConnector = (origin: string, text: string) =>
        fetch(`${origin}/v3/conversations/${conversationId}/activities`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'message', text, from: { id: 'parley', name: 'Parley' } }),
        }).then(json);
      await toConnector(two.origin, 'from instance two');
      await stream.until(1);
      // The resident's own message through instance one, then the bot again through two.
      await json(await fetch(`${one.origin}/v3/directline/conversations/${conversationId}/activities`, { method: 'POST', headers: auth, body: JSON.stringify({ type: 'message', text: 'resident on one', from: { id: 'me' } }) }));
      await stream.until(2);
      await toConnector(two.origin, 'two again');
      await stream.until(3);
      expect(stream.texts()).toEqual(['from instance two', 'resident on one', 'two again']);
      // Polling instance one shows the same, so a client without the socket misses nothing either.
      const polled = await json(await fetch(`${one.origin}/v3/directline/conversations/${conversationId}/activities`, { headers: auth }));
      expect(polled.activities.map((a: { text: string }) => a.text)).toEqual(stream.texts());
      stream.close();
      expect([...one.errors, ...two.errors]).toEqual([]);
    } finally {
      await one.close();
      await two.close();
      await twin.close();
    }
  });

  it('a stream ticket works once, on whichever instance it reaches first', async () => {
    const first = await fresh();
    await migrateStore(first.sql, DIRECTLINE_SCHEMA);
    const twin = await anotherInstance(first);
    const one = await startInstance(first);
    const two = await startInstance(twin.backend);
    try {
      const { token } = await json(await fetch(`${one.origin}/api/directline/token`, { method: 'POST' }));
      const { streamUrl } = await json(await fetch(`${one.origin}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
      const onTwo = String(streamUrl).replace(new URL(one.origin).host, new URL(two.origin).host);
      const stream = await openStream(onTwo);
      stream.close();
      const again = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(streamUrl);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', reject);
      });
      expect(again).toBe(403);
    } finally {
      await one.close();
      await two.close();
      await twin.close();
    }
  });
});
