import restify from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import { z } from 'zod';

/** Enough of an Activity to be worth handing to the adapter; the adapter checks the rest. */
const activityBody = z.looseObject({
  type: z.string().min(1, { message: 'must not be empty' }),
  channelId: z.string().min(1, { message: 'must not be empty' }),
  serviceUrl: z.string().min(1, { message: 'must not be empty' }),
  conversation: z.looseObject({ id: z.string().min(1, { message: 'must not be empty' }) }),
  from: z.looseObject({ id: z.string().min(1, { message: 'must not be empty' }) }),
});

export interface ServerDeps {
  adapter: CloudAdapter;
  bot: { run(context: TurnContext): Promise<void> };
  /** Facts for GET /healthz. */
  health: () => Record<string, unknown>;
}

export function createServer({ adapter, bot, health }: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'parley' });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024 }));

  server.post('/api/messages', async (req, res) => {
    const parsed = activityBody.safeParse(req.body);
    if (!parsed.success) {
      res.send(400, { error: 'BadRequest', message: `Expected a Bot Framework activity: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` });
      return;
    }
    await adapter.process(req, res, (context) => bot.run(context));
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', ...health() });
  });

  return server;
}
