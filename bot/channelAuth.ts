import { CallerIdConstants, CloudAdapter, ConfigurationBotFrameworkAuthentication, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
// The fix-up CloudAdapter.process applies to a posted activity (dates from strings); botbuilder
// does not export it from its root.
import { validateAndFixActivity } from 'botbuilder/lib/activityValidator';
import type { BotFrameworkAuthentication } from 'botframework-connector';
import type { Config } from './config';

/**
 * Authentication of what channels post to /api/messages: who signs their tokens, and what a
 * failure to authenticate means for the caller.
 */

/**
 * botbuilder 4.23's public-cloud endpoints (its AuthenticationConstants). Its factory takes every
 * endpoint from the configuration as soon as one is given, leaving the rest undefined, so a setting
 * that moves only the key documents must give the others too. test/bot/jwt.test.ts holds these to
 * botbuilder's own constants.
 */
export const PUBLIC_CLOUD = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: CallerIdConstants.PublicAzureChannel,
} as const;

/** The adapter's authentication: botbuilder's defaults unless the key documents were moved. */
export function channelAuthentication(config: Config): ConfigurationBotFrameworkAuthentication {
  const app = {
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  };
  const { ToBotFromChannelOpenIdMetadataUrl: channel, ToBotFromEmulatorOpenIdMetadataUrl: emulator } = config;
  if (!channel && !emulator) return new ConfigurationBotFrameworkAuthentication(app);
  return new ConfigurationBotFrameworkAuthentication({
    ...app,
    ...PUBLIC_CLOUD,
    ...(channel && { ToBotFromChannelOpenIdMetadataUrl: channel }),
    ...(emulator && { ToBotFromEmulatorOpenIdMetadataUrl: emulator }),
  });
}

/**
 * How long a request waits for the signing keys. botbuilder fetches them with no time limit, and a
 * key server that drops packets holds every request for the system's connect timeout (minutes);
 * Azure's Bot Connector gives up on a bot after 15 seconds. Checking a token against keys already
 * fetched takes milliseconds, so only a fetch can run this long.
 */
export const KEYS_WAIT_MS = 10_000;

export class SigningKeysLateError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no answer from the key server within ${waitedMs / 1000} s`);
    this.name = 'SigningKeysLateError';
  }
}

/** Why a request's token did not let it in. */
export type AuthFailure =
  /** The token is missing, malformed, forged, expired or for someone else: the caller's fault. */
  | { kind: 'refused'; reason: string }
  /** The signing keys could not be fetched, so no token can be checked: ours, and passing. */
  | { kind: 'unverifiable'; cause: string };

/**
 * Sorts what botbuilder's token check threw. botbuilder does not sort it itself, and
 * CloudAdapter.process answers 401 only to its own AuthenticationError, 500 to anything else:
 * - AuthenticationError (not exported by botbuilder; known by its numeric `statusCode`) is thrown
 *   with 401 for a missing, unsigned, wrongly issued, expired or misaddressed token or an unknown
 *   key id, and with 500 only when a key document answered with an HTTP error.
 * - A token whose signature, algorithm or dates fail jsonwebtoken's own check comes out as
 *   jsonwebtoken's error (a forged token reusing a real key id: "invalid signature"), which
 *   process answered with 500.
 * - A key server that cannot be reached or sends something other than JSON comes out as
 *   node-fetch's FetchError (process: 500). Fetching the keys is the only network call in the check;
 *   one that takes too long is cut short here (SigningKeysLateError).
 * Anything else is a fault of ours and is not sorted: it stays a 500, logged.
 */
export function sortAuthFailure(err: unknown): AuthFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  const refused = { kind: 'refused', reason: oneLine(err.message) } as const;
  const unverifiable = { kind: 'unverifiable', cause: oneLine(err.message) } as const;
  if (err instanceof SigningKeysLateError) return unverifiable;
  const statusCode = (err as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number') return statusCode >= 500 ? unverifiable : refused;
  if (['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError'].includes(err.name)) return refused;
  if (err.name === 'FetchError') return unverifiable;
  return undefined;
}

/** botbuilder's reasons can quote the token's claims (an audience), which the caller wrote: one short line for the log. */
function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** What became of one posted activity. */
export type MessageOutcome =
  | { kind: 'processed'; response: InvokeResponse | undefined }
  | AuthFailure
  /** Authenticated, but the turn failed outside the bot's own error handling (logged). */
  | { kind: 'failed' };

/**
 * CloudAdapter with one change at the door: a posted activity is authenticated first and a failure
 * comes back sorted (sortAuthFailure), for the route to answer 401 or 503, where
 * CloudAdapter.process would answer a forged signature or unreachable keys with a 500.
 * Past the door it is CloudAdapter's own processing.
 */
export class CheckedCloudAdapter extends CloudAdapter {
  constructor(
    auth: BotFrameworkAuthentication,
    private readonly log: Pick<Console, 'info' | 'error'>,
    private readonly keysWaitMs = KEYS_WAIT_MS,
  ) {
    super(auth);
  }

  async processMessage(body: Record<string, unknown>, authHeader: string, logic: (context: TurnContext) => Promise<void>): Promise<MessageOutcome> {
    const activity = validateAndFixActivity(body as unknown as Activity);
    let authenticated;
    try {
      authenticated = await this.authenticate(activity, authHeader);
    } catch (err) {
      const failure = sortAuthFailure(err);
      if (!failure) return this.failed(activity, err);
      // Never the token itself: it is a credential, and a forged one is the attacker's text.
      if (failure.kind === 'refused') this.log.info(`[auth] refused a token on /api/messages: ${failure.reason}`);
      else this.log.error(`[auth] cannot check tokens on /api/messages, answering 503: the signing keys could not be fetched: ${failure.cause}`);
      return failure;
    }
    try {
      return { kind: 'processed', response: await this.processActivity(authenticated, activity, logic) };
    } catch (err) {
      return this.failed(activity, err);
    }
  }

  private async authenticate(activity: Activity, authHeader: string) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SigningKeysLateError(this.keysWaitMs)), this.keysWaitMs);
    });
    try {
      // The fetch left behind goes on and fills botbuilder's cache if it ever succeeds.
      return await Promise.race([this.botFrameworkAuthentication.authenticateRequest(activity, authHeader), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(activity: Activity, err: unknown): MessageOutcome {
    this.log.error(`[api/messages] conversation ${activity.conversation?.id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { kind: 'failed' };
  }
}
