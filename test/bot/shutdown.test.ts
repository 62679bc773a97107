import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openDatabase } from '../../bot/db';
import { SqlAgentStore } from '../../handoff/agents';
import { startServer } from '../../scripts/crash/server';
import { startApp, testConfig, withSql } from '../app';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDir } from '../tempDb';
import { residentMessage } from './residentClient';

/**
 * SIGTERM (a deploy, `docker stop`, systemd) while a resident's turn is in flight: the turn ends
 * and is saved, nothing new is accepted, the console's event streams end, the database is closed
 * cleanly and the process exits 0.
 */

/** A channel that takes the bot's reply and holds its answer until released: the turn stays in flight. */
async function heldChannel() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let received!: (text: string) => void;
  const reply = new Promise<string>((resolve) => (received = resolve));
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received((JSON.parse(body) as { text?: string }).text ?? '');
      void released.then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'reply-1' }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { serviceUrl, reply, release, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Resolves once a new connection to `url` is refused: the server has stopped accepting. */
async function refusedAt(url: string): Promise<string> {
  for (;;) {
    const outcome = await new Promise<string | undefined>((resolve) => {
      // agent: false: a new connection each time, never one kept alive from before.
      const req = http.get(`${url}/healthz`, { agent: false }, (res) => {
        res.resume();
        resolve(undefined);
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code));
    });
    // A connection reset means the listener closed while this one waited in its backlog: try again.
    if (outcome && outcome !== 'ECONNRESET') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('graceful shutdown on SIGTERM', () => {
  it('finishes the turn in flight, refuses new connections, ends event streams, closes the database and exits 0', async () => {
    const dataDir = tempDir('parley-shutdown-');
    await withSql(testConfig({ PARLEY_DATA_DIR: dataDir }), (sql) => new SqlAgentStore(sql).add({ name: 'Ann Smith', departments: ['customer-services'], password: 'ann-password-1' }, new Date()));
    const channel = await heldChannel();
    const server = await startServer({ PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, PARLEY_KNOWLEDGE_RELOAD: 'off' });
    try {
      // An officer's console is open: its event stream must end, not hold the process open.
      const login = await fetch(`${server.url}/api/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ann Smith', password: 'ann-password-1' }) });
      expect(login.status).toBe(200);
      const events = await fetch(`${server.url}/api/console/events`, { headers: { cookie: login.headers.get('set-cookie')!.split(';')[0]! } });
      expect(events.status).toBe(200);
      const streamEnded = (async () => {
        for await (const chunk of events.body!) void chunk;
        return 'ended';
      })();

      // Not expectReplies: the bot sends its reply to the channel during the turn, which the channel holds.
      const { deliveryMode: _, ...activity } = residentMessage('how do I pay my council tax', { conversation: 'shutdown-1', serviceUrl: channel.serviceUrl });
      const turn = fetch(`${server.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      expect(await channel.reply).toMatch(/^You can pay your Council Tax online/);

      server.child.kill('SIGTERM');
      expect(await refusedAt(server.url)).toBe('ECONNREFUSED');
      await expect(streamEnded).resolves.toBe('ended');
      // The turn was still in flight; let it finish.
      channel.release();
      expect((await turn).status).toBe(200);
      expect(await server.exited).toBe(0);

      // Saved before the database closed; the write-ahead log checkpointed into the main file.
      const wal = path.join(dataDir, 'parley.sqlite-wal');
      expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0);
      const after = openDatabase(path.join(dataDir, 'parley.sqlite'));
      const saved = after.prepare("SELECT count(*) AS n FROM transcript_activities WHERE conversation_id = 'shutdown-1' AND from_role = 'user'").get() as { n: number };
      after.close();
      expect(saved.n).toBe(1);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await channel.close();
    }
  }, 90_000);

  it('answers a web chat message already on its way to the bot before it closes its listener (local Direct Line)', async () => {
    // The bot answers the local web channel through this server's own Connector routes: with the
    // listener closed first, such a turn could not deliver its reply (and retried for seconds).
    const channel = await heldChannel();
    const config = testConfig({ PARLEY_CONCURRENT_TURNS: '1', PARLEY_KNOWLEDGE_RELOAD: 'off' });
    const { app, url } = await startApp(config);
    let closed: Promise<void> | undefined;
    try {
      const grant = (await (await fetch(`${url}/api/directline/token`, { method: 'POST' })).json()) as { conversationId: string; token: string };
      const auth = { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' };
      expect((await fetch(`${url}/v3/directline/conversations`, { method: 'POST', headers: auth })).status).toBe(201);

      // A turn that keeps the only slot until the (outside) channel answers its reply.
      const { deliveryMode: _, ...activity } = residentMessage('how do I pay my council tax', { conversation: 'held-1', serviceUrl: channel.serviceUrl });
      const held = fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      await channel.reply;

      // The web chat resident's message reaches the bot and waits for the slot.
      const posted = fetch(`${url}/v3/directline/conversations/${grant.conversationId}/activities`, { method: 'POST', headers: auth, body: JSON.stringify({ type: 'message', text: 'when is my bin day', from: { id: 'ignored' } }) });
      while ((((await (await fetch(`${url}/healthz`)).json()) as { turns: { waiting: number } }).turns.waiting ?? 0) < 1) await new Promise((resolve) => setTimeout(resolve, 10));

      closed = app.close();
      channel.release();
      expect((await held).status).toBe(200);
      const answer = await posted;
      expect(answer.status).toBe(200);
      const { id } = (await answer.json()) as { id: string };
      await closed;

      const stored = await withSql(config, (sql) => sql.all<{ activity: string }>('SELECT activity FROM directline_activities WHERE conversation_id = ? ORDER BY seq', [grant.conversationId]));
      const replies = stored.map((r) => JSON.parse(r.activity) as { from: { role?: string }; replyToId?: string; text?: string }).filter((a) => a.from.role === 'bot' && a.replyToId === id);
      expect(replies.map((a) => a.text)).toEqual(['I can look up your bin collection days. What is your postcode? (For example BK3 4TN.)']);
    } finally {
      await (closed ?? app.close());
      await channel.close();
    }
  }, 60_000);
});
