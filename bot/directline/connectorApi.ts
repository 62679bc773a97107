import type { Request, Response, Server } from 'restify';
import type { DirectLineChannel } from './channel';
import { parseBody, routeWith } from './respond';
import { botActivitySchema } from './schemas';

/**
 * The part of the Bot Connector API the bot's replies and proactive messages post to, at the
 * `serviceUrl` the channel puts on every activity it sends the bot: "send to conversation" and
 * "reply to activity", each answering a ResourceResponse `{id}`.
 *
 * Who may post here: these routes exist only in local mode, where the server listens on this
 * machine alone (config.ts refuses anything else without an app id), they write only into
 * conversations this channel created (128-bit random ids, never guessable), and only JSON, which
 * a page on another site cannot send here without a CORS preflight. With MicrosoftAppId set they
 * are not mounted at all: Azure's Direct Line is the channel then.
 */
export function mountConnectorApi(server: Server, deps: { channel: DirectLineChannel; log: Pick<Console, 'error'> }): void {
  const route = routeWith(deps.log);
  const receive = async (req: Request, res: Response, replyToId?: string) => {
    const activity = parseBody(botActivitySchema, req.body);
    const id = await deps.channel.fromBot(String(req.params.conversationId), { ...activity, ...(replyToId && { replyToId }) });
    res.send(200, { id });
  };

  server.post(
    '/v3/conversations/:conversationId/activities',
    route((req, res) => receive(req, res)),
  );
  server.post(
    '/v3/conversations/:conversationId/activities/:activityId',
    route((req, res) => receive(req, res, String(req.params.activityId))),
  );
}
