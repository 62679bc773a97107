import type { Server } from 'restify';
import { z } from 'zod';
import { HttpError } from '../../handoff/http';
import type { MountedChannel } from './mount';
import { routeWith } from './respond';
import { newUserId } from './tokens';

/**
 * The website's token endpoint when Parley runs behind Azure Bot Service (MicrosoftAppId set):
 * the same `POST /api/directline/token` the page calls in local mode, but it trades the Direct
 * Line secret (which never reaches a browser) for a one-conversation token at Azure's
 * `tokens/generate`. The user id is bound into the token, so a browser cannot pose as another
 * resident. Parley's own channel is not mounted in this mode.
 */

const azureGrant = z.looseObject({ conversationId: z.string().min(1), token: z.string().min(1), expires_in: z.number() });

export interface AzureTokenOptions {
  /** The Direct Line secret from the bot's Direct Line channel page in Azure; unset, 503. */
  secret?: string;
  /** `https://directline.botframework.com/v3/directline`, or a regional one. */
  domain: string;
  log: Pick<Console, 'error'>;
}

export function mountAzureDirectLineTokens(server: Server, { secret, domain, log }: AzureTokenOptions): MountedChannel {
  server.post(
    '/api/directline/token',
    routeWith(log)(async (_req, res) => {
      if (!secret) throw new HttpError(503, 'NotConfigured', 'Website chat is not set up: PARLEY_DIRECTLINE_SECRET is empty.');
      let answer: Response;
      try {
        answer = await fetch(`${domain}/tokens/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ user: { id: newUserId() } }),
        });
      } catch (err) {
        log.error(`[directline] Azure Direct Line unreachable at ${domain}: ${err instanceof Error ? err.message : String(err)}`);
        throw new HttpError(502, 'ServiceError', 'Azure Direct Line could not be reached.');
      }
      const body: unknown = await answer.json().catch(() => undefined);
      const grant = azureGrant.safeParse(body);
      if (!answer.ok || !grant.success) {
        log.error(`[directline] Azure Direct Line answered HTTP ${answer.status} to tokens/generate`);
        throw new HttpError(502, 'ServiceError', 'Azure Direct Line refused to issue a token.');
      }
      const { conversationId, token, expires_in } = grant.data;
      res.send(200, { conversationId, token, expires_in });
    }),
  );
  return { close: async () => undefined };
}
