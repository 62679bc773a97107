import restify from 'restify';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { CheckedCloudAdapter } from './channelAuth';
import { rateLimiter, type RateLimits } from './rateLimit';
import { TurnLimit } from './turnLimit';

/** Enough of an Activity to be worth handing to the adapter; the adapter checks the rest. */
const named = z.string().regex(/\S/, { message: 'must not be empty or blank' });
const activityBody = z.looseObject({
  type: named,
  channelId: named,
  // The adapter posts replies here: anything but an absolute http(s) URL fails later, as a 500.
  serviceUrl: z.string().refine(isHttpUrl, { message: 'must be an http or https URL' }),
  conversation: z.looseObject({ id: named }),
  from: z.looseObject({ id: named }),
});

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false; // not a URL at all
  }
}

/** When the signing keys could not be fetched: botbuilder tries again on the next request. */
export const KEYS_RETRY_AFTER_SECONDS = 30;

export interface ServerDeps {
  adapter: CheckedCloudAdapter;
  bot: { run(context: TurnContext): Promise<void> };
  /** Facts for GET /healthz. */
  health: () => Record<string, unknown>;
  /**
   * For GET /readyz: resolves when this instance can serve (database reachable, knowledge base
   * loaded), throws saying why not. A load balancer sends residents only to ready instances.
   */
  readiness?: () => Promise<Record<string, unknown>>;
  /** Per-conversation and per-address limits on the public routes (bot/rateLimit.ts); unset, none. */
  rateLimits?: RateLimits;
  /** How many turns run at once (bot/turnLimit.ts); the rest wait their turn. Unset: no limit. */
  turns?: TurnLimit;
}

/**
 * Sent on every response, JSON and HTML alike; the HTML pages replace the Content-Security-Policy
 * with their own (they write their headers after this). A JSON answer or a stray error page then
 * cannot be framed, sniffed into script, or leak the URL it came from.
 */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export function createServer({ adapter, bot, health, readiness, rateLimits, turns = new TurnLimit(0) }: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'parley' });
  // pre: before routing, so restify's own 404s and 405s carry the headers too.
  server.pre((_req, res, next) => {
    for (const [name, value] of Object.entries(DEFAULT_SECURITY_HEADERS)) res.setHeader(name, value);
    next();
  });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024 }));
  // After the body parser: /api/messages is limited by the conversation id in its body.
  if (rateLimits) server.use(rateLimiter(rateLimits));

  server.post('/api/messages', async (req, res) => {
    const parsed = activityBody.safeParse(req.body);
    if (!parsed.success) {
      res.send(400, { error: 'BadRequest', message: `Expected a Bot Framework activity: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` });
      return;
    }
    const outcome = await turns.run(() => adapter.processMessage(parsed.data, req.header('authorization', ''), (context) => bot.run(context)));
    switch (outcome.kind) {
      case 'processed':
        res.send(outcome.response?.status ?? 200, outcome.response?.body);
        return;
      case 'refused':
        res.header('WWW-Authenticate', 'Bearer error="invalid_token"');
        res.send(401, { error: 'Unauthorized', message: `The Bot Framework token was refused: ${outcome.reason}` });
        return;
      case 'unverifiable':
        res.header('Retry-After', String(KEYS_RETRY_AFTER_SECONDS));
        res.send(503, { error: 'Unavailable', message: 'The bot cannot verify requests right now: the Bot Framework signing keys could not be fetched. Try again later.' });
        return;
      case 'failed':
        res.send(500, { error: 'internal', message: 'Something went wrong on the server; it has been logged.' });
        return;
    }
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok', ...health(), turns: turns.counts() });
  });

  // Alive (/healthz) is not the same as able to serve: a database that went away, or start-up
  // still migrating, or shutdown begun, gives 503 here so the load balancer stops sending work.
  server.get('/readyz', async (_req, res) => {
    try {
      res.send(200, { status: 'ready', ...(await (readiness ?? (async () => ({})))()) });
    } catch (err) {
      res.send(503, { status: 'not ready', reason: err instanceof Error ? err.message : String(err) });
    }
  });

  return server;
}
