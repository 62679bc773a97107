/**
 * The baseline for `npm run bench:load`: a bot that only echoes, on the same stack as Parley
 * (restify with the same body parser, CloudAdapter in local mode, `POST /api/messages`, and
 * `GET /healthz`), so the ratio measures what Parley's own work costs and nothing else. Started
 * as a child process by scripts/bench-load.ts; prints one JSON line `{"url": ...}` once listening.
 */
import type { AddressInfo } from 'node:net';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import restify from 'restify';

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity(`You said: ${context.activity.text ?? ''}`);
      await next();
    });
  }
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (context, error) => {
  console.error(`[onTurnError] conversation ${context.activity.conversation?.id}: ${error instanceof Error ? error.message : String(error)}`);
  await context.sendActivity('error');
};
const bot = new EchoBot();
const server = restify.createServer({ name: 'echo' });
server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024 }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
// The bench opens each resident's connection with it before the load, as it does Parley's.
server.get('/healthz', async (_req, res) => {
  res.send(200, { status: 'ok' });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
