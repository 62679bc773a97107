import { migrateStore, openDatabase, SqliteBackend } from '../../../bot/db';
import { httpBotEndpoint } from '../../../bot/directline/botEndpoint';
import { DirectLineChannel } from '../../../bot/directline/channel';
import { DIRECTLINE_SCHEMA, SqlChannelStore } from '../../../bot/directline/store';
import { HttpError } from '../../../handoff/http';
import { startHttpServer } from '../../localServer';

const now = () => new Date('2026-11-25T10:00:00Z');

/** A bot's messaging endpoint on localhost that answers every activity with `status`. */
async function startBot(status: number) {
  const received: { type: string; text?: string; serviceUrl?: string; from?: { id: string } }[] = [];
  const server = await startHttpServer(({ body }) => {
    received.push(JSON.parse(body));
    return { status };
  });
  return { url: `${server.origin}/api/messages`, received, close: server.close };
}

describe('DirectLineChannel against a real HTTP bot endpoint', () => {
  let backend: SqliteBackend;
  let errors: string[];

  beforeEach(async () => {
    backend = new SqliteBackend(openDatabase(':memory:'));
    await migrateStore(backend.sql, DIRECTLINE_SCHEMA);
    errors = [];
  });
  afterEach(() => backend.close());

  function channelFor(botUrl: string) {
    return new DirectLineChannel({
      store: new SqlChannelStore(backend.sql),
      broadcast: backend.broadcast,
      bot: httpBotEndpoint(() => botUrl),
      serviceUrl: () => 'http://localhost:3978/',
      now,
      log: { info: () => undefined, error: (line: string) => errors.push(line) },
      settings: { tokenLifetimeMs: 30 * 60_000, retentionMs: 24 * 3_600_000, bot: { id: 'parley', name: 'Parley' } },
    });
  }

  it('sends the bot the real words, with serviceUrl and the channel’s own user id', async () => {
    const bot = await startBot(200);
    const channel = channelFor(bot.url);
    const { token } = await channel.issueToken();
    const conversation = await channel.authorise(token);
    await channel.start(conversation);
    await channel.start(conversation); // a reload: no second welcome
    await channel.post(conversation, { type: 'message', text: 'my postcode is BK3 4TN', from: { id: 'forged-id' } });
    expect(bot.received.map((a) => a.type)).toEqual(['conversationUpdate', 'message']);
    expect(bot.received[1]).toMatchObject({ text: 'my postcode is BK3 4TN', serviceUrl: 'http://localhost:3978/', from: { id: conversation.userId } });
    // What the browser reads back is not told where the bot's connector lives.
    expect((await channel.activities(conversation.id, 0)).activities[0]).not.toHaveProperty('serviceUrl');
    await bot.close();
  });

  it('answers 502 when the bot fails, keeps the echo, and logs ids but never the resident’s words', async () => {
    const bot = await startBot(500);
    const channel = channelFor(bot.url);
    const conversation = await channel.authorise((await channel.issueToken()).token);
    const failure = await channel.post(conversation, { type: 'message', text: 'my card is 4111 1111 1111 1111' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ status: 502, code: 'BotError' });
    expect((await channel.activities(conversation.id, 0)).activities.map((a) => a.text)).toEqual(['my card is 4111 1111 1111 1111']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(conversation.id);
    expect(errors[0]).not.toContain('4111');
    await bot.close();
  });

  it('still opens the chat when the bot cannot welcome the resident, and logs why', async () => {
    const bot = await startBot(503);
    const channel = channelFor(bot.url);
    const conversation = await channel.authorise((await channel.issueToken()).token);
    await expect(channel.start(conversation)).resolves.toBeUndefined();
    expect(errors[0]).toMatch(/welcome for conversation .* failed: The bot answered HTTP 503/);
    await bot.close();
  });
});
