import http from 'node:http';
import { BotRejectedActivity, httpBotEndpoint } from '../../../bot/directline/botEndpoint';
import { listenLocally } from '../../localServer';

/** A bot endpoint that counts the connections it is given and holds each answer a little, so turns overlap. */
async function countingBot(status = 200) {
  let connections = 0;
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text: string }).text);
      setTimeout(() => {
        res.statusCode = status;
        res.end();
      }, 5);
    });
  });
  server.on('connection', () => (connections += 1));
  const local = await listenLocally(server);
  return { url: `${local.origin}/api/messages`, received, connections: () => connections, close: local.close };
}

const activity = (i: number) => ({ type: 'message', text: `turn ${i}`, conversation: { id: `c${i}` } });

describe('httpBotEndpoint', () => {
  it('carries many turns at once over a few kept-alive connections', async () => {
    const bot = await countingBot();
    const endpoint = httpBotEndpoint(() => bot.url, 4);
    await Promise.all(Array.from({ length: 100 }, (_, i) => endpoint.send(activity(i))));
    expect([...bot.received].sort()).toEqual(Array.from({ length: 100 }, (_, i) => `turn ${i}`).sort());
    // fetch opened one connection per turn in flight; the pool opens at most 4, whatever the load.
    expect(bot.connections()).toBeLessThanOrEqual(4);
    expect(bot.connections()).toBeGreaterThan(0);
    await bot.close();
  });

  it('rejects with the status when the bot refuses the activity', async () => {
    const bot = await countingBot(500);
    const endpoint = httpBotEndpoint(() => bot.url);
    const sent = endpoint.send(activity(7));
    await expect(sent).rejects.toBeInstanceOf(BotRejectedActivity);
    await expect(sent).rejects.toMatchObject({ status: 500, conversationId: 'c7' });
    await bot.close();
  });

  it('rejects when nothing listens', async () => {
    const bot = await countingBot();
    const url = bot.url;
    await bot.close();
    await expect(httpBotEndpoint(() => url).send(activity(1))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('is idle once every send has been answered or has failed, for shutdown to wait on', async () => {
    const bot = await countingBot();
    const endpoint = httpBotEndpoint(() => bot.url, 2);
    await endpoint.idle(); // nothing in flight: at once
    let settled = 0;
    const sends = Array.from({ length: 6 }, (_, i) => endpoint.send(activity(i)).finally(() => settled++));
    const idle = endpoint.idle();
    expect(settled).toBe(0);
    await idle;
    // Every turn reached the bot and was answered (over 2 connections, so most of them waited).
    expect([...bot.received].sort()).toEqual(Array.from({ length: 6 }, (_, i) => `turn ${i}`).sort());
    await Promise.all(sends);
    expect(settled).toBe(6);
    await bot.close();
    // A failed send counts as done too.
    // (a kept-alive connection the closed server reset, or a new one refused)
    await expect(endpoint.send(activity(9))).rejects.toMatchObject({ code: expect.stringMatching(/^ECONN(REFUSED|RESET)$/) });
    await endpoint.idle();
  });
});
