import type { Request, Server } from 'restify';
import { HttpError } from '../../handoff/http';
import { parseWatermark, type DirectLineChannel } from './channel';
import { parseBody, routeWith } from './respond';
import { clientActivitySchema, startConversationSchema } from './schemas';
import type { StreamHub } from './stream';
import { bearerToken } from './tokens';

/**
 * The Direct Line 3.0 operations Web Chat uses, plus the server-side token endpoint a council's
 * site would host (`POST /api/directline/token`, answering like Direct Line's `tokens/generate`).
 * See README.md for the table of routes and answers.
 */

export const POST_ACTIVITY_PATH = /^\/v3\/directline\/conversations\/[^/]+\/activities\/?$/;

export interface ClientApiDeps {
  channel: DirectLineChannel;
  streams: StreamHub;
  /** The largest activity a browser may post, in bytes of JSON: 413 above it. */
  maxActivityBytes: number;
  /** `ws://host:port` or `wss://host` as the browser sees this server, for streamUrl. */
  webSocketOrigin: (req: Request) => string;
  log: Pick<Console, 'error'>;
}

export function mountClientApi(server: Server, deps: ClientApiDeps): void {
  const { channel } = deps;
  const route = routeWith(deps.log);
  const token = (req: Request) => bearerToken(req.headers.authorization);
  const conversationParam = (req: Request) => String(req.params.conversationId);
  // No query parser is mounted on this server (other routes need none): read the raw string.
  const watermarkParam = (req: Request) => new URLSearchParams(String(req.getQuery() ?? '')).get('watermark') ?? undefined;
  const streamUrl = async (req: Request, conversationId: string, watermark: number) => `${deps.webSocketOrigin(req)}${await deps.streams.streamPath(conversationId, watermark)}`;
  const tooBig = () => new HttpError(413, 'MessageSizeTooBig', `An activity may be at most ${deps.maxActivityBytes} bytes of JSON.`);

  // Checked before the body is read at all, so a huge post costs nothing and gets Direct Line's
  // answer rather than the body parser's.
  server.pre((req, res, next) => {
    if (req.method === 'POST' && POST_ACTIVITY_PATH.test(req.path()) && Number(req.headers['content-length'] ?? 0) > deps.maxActivityBytes) {
      const err = tooBig();
      res.send(err.status, { error: { code: err.code, message: err.message } });
      return next(false);
    }
    return next();
  });

  server.post(
    '/api/directline/token',
    route(async (_req, res) => {
      res.send(200, await channel.issueToken());
    }),
  );

  server.post(
    '/v3/directline/tokens/refresh',
    route(async (req, res) => {
      res.send(200, await channel.refresh(token(req)));
    }),
  );

  // Starts the token's conversation, or resumes it after a page reload: the history comes
  // through the stream (or the first poll) because the client starts from watermark 0.
  server.post(
    '/v3/directline/conversations',
    route(async (req, res) => {
      const given = token(req);
      const conversation = await channel.authorise(given);
      const body = parseBody(startConversationSchema, req.body ?? undefined);
      const firstStart = conversation.startedAt === null;
      await channel.start(conversation, body?.locale);
      res.send(firstStart ? 201 : 200, {
        conversationId: conversation.id,
        token: given,
        expires_in: await channel.secondsLeft(given!),
        streamUrl: await streamUrl(req, conversation.id, 0),
      });
    }),
  );

  // "Get conversation information": how a client whose socket dropped gets a new streamUrl.
  server.get(
    '/v3/directline/conversations/:conversationId',
    route(async (req, res) => {
      const given = token(req);
      const conversation = await channel.authorise(given, conversationParam(req));
      const watermark = parseWatermark(watermarkParam(req));
      res.send(200, {
        conversationId: conversation.id,
        token: given,
        expires_in: await channel.secondsLeft(given!),
        streamUrl: await streamUrl(req, conversation.id, watermark),
      });
    }),
  );

  server.post(
    '/v3/directline/conversations/:conversationId/activities',
    route(async (req, res) => {
      const conversation = await channel.authorise(token(req), conversationParam(req));
      // Bodies sent without a Content-Length (chunked) are measured once parsed.
      if (Buffer.byteLength(JSON.stringify(req.body ?? null)) > deps.maxActivityBytes) throw tooBig();
      const activity = parseBody(clientActivitySchema, req.body);
      res.send(200, { id: await channel.post(conversation, activity) });
    }),
  );

  server.get(
    '/v3/directline/conversations/:conversationId/activities',
    route(async (req, res) => {
      const conversation = await channel.authorise(token(req), conversationParam(req));
      res.send(200, await channel.activities(conversation.id, parseWatermark(watermarkParam(req))));
    }),
  );
}
