import http from 'node:http';
import https from 'node:https';

/**
 * The channel's way to the bot: a plain HTTP POST of the activity to the bot's messaging endpoint,
 * the same contract Azure Bot Service uses, so the bot cannot tell this channel from Azure's (and
 * never imports it). Only local mode uses it: the adapter accepts unauthenticated activities there.
 */

export class BotRejectedActivity extends Error {
  constructor(
    readonly status: number,
    readonly conversationId: string,
  ) {
    super(`The bot answered HTTP ${status} for an activity in conversation ${conversationId}`);
    this.name = 'BotRejectedActivity';
  }
}

type BotBound = Record<string, unknown> & { conversation: { id: string } };

export interface BotEndpoint {
  send(activity: BotBound): Promise<void>;
}

/** `httpBotEndpoint`'s sends can be waited for: shutdown lets the turns they started finish. */
export interface DrainableBotEndpoint extends BotEndpoint {
  /** Resolves once no send is in flight. */
  idle(): Promise<void>;
}

/**
 * Connections the channel keeps to the bot at most; more turns at once wait for one. In local
 * mode the bot is this same server: with a new connection for each turn in flight (as `fetch`
 * made them), 1,000 residents at once opened about 1,500 connections to a server that was busy
 * answering them, and a busy Node server accepts about one connection per turn of its event loop,
 * so turns timed out waiting to be accepted (docs/reliability.md, the timeouts at 1,000
 * conversations). A few kept-alive connections carry any number of turns. At shutdown the
 * server closes them itself (Node's server.close ends idle connections).
 */
export const BOT_CONNECTIONS = 32;

/** `messagesUrl` is read at each call: the server's port is known only once it listens. */
export function httpBotEndpoint(messagesUrl: () => string, connections = BOT_CONNECTIONS): DrainableBotEndpoint {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: connections }),
    https: new https.Agent({ keepAlive: true, maxSockets: connections }),
  };
  let inFlight = 0;
  const whenIdle: (() => void)[] = [];
  return {
    async send(activity) {
      inFlight++;
      try {
        await post(activity);
      } finally {
        if (--inFlight === 0) for (const resolve of whenIdle.splice(0)) resolve();
      }
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenIdle.push(resolve))),
  };

  function post(activity: BotBound): Promise<void> {
    const url = new URL(messagesUrl());
    const body = JSON.stringify(activity);
    const secure = url.protocol === 'https:';
    return new Promise<void>((resolve, reject) => {
      const request = (secure ? https : http).request(
        url,
        { method: 'POST', agent: secure ? agents.https : agents.http, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          // The adapter answers 200 (or 201/202 for some invokes); the body says nothing we need,
          // but it must be read for the connection to serve the next turn.
          res.resume();
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new BotRejectedActivity(status, activity.conversation.id));
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}
