import type { Server } from 'restify';
import type { Broadcast, Sql } from '../db';
import { httpBotEndpoint } from './botEndpoint';
import { DirectLineChannel } from './channel';
import { mountClientApi } from './clientApi';
import { mountConnectorApi } from './connectorApi';
import { webSocketOrigin } from './origin';
import { reshapeRestifyErrors } from './respond';
import { SqlChannelStore } from './store';
import { StreamHub } from './stream';

/**
 * Parley's own web channel on the bot's restify server: Direct Line for the browser, the Bot
 * Connector subset for the bot's replies, the WebSocket stream, and the hourly purge. bot/index.ts
 * calls this in local mode only, and it is the only place that knows both the channel and the bot.
 */

export interface LocalDirectLineOptions {
  sql: Sql;
  /** New activities announced to every instance's streams (one process: a LocalBroadcast). */
  broadcast: Broadcast;
  /** This server's own address once it listens (`http://localhost:3978`): the bot's endpoint and serviceUrl. */
  selfUrl: () => string;
  /** The address residents' browsers use, when a proxy sits in front; else the request's Host. */
  publicUrl?: string;
  tokenLifetimeMs: number;
  retentionMs: number;
  maxActivityBytes: number;
  /** Settles when the database's tables exist (the app's migrations); the first purge waits for it. */
  ready: Promise<void>;
  now: () => Date;
  log: Pick<Console, 'info' | 'error'>;
}

export interface MountedChannel {
  /** Local mode: resolves once the messages on their way to the bot are answered (bounded) and the streams are closed. */
  close(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
/** How long shutdown waits for residents' messages already on their way to the bot. */
export const DRAIN_MS = 10_000;

export function mountLocalDirectLine(server: Server, options: LocalDirectLineOptions): MountedChannel {
  const { now, log } = options;
  const store = new SqlChannelStore(options.sql);
  const { broadcast } = options;
  const bot = httpBotEndpoint(() => `${options.selfUrl()}/api/messages`);
  const channel = new DirectLineChannel({
    store,
    broadcast,
    bot,
    serviceUrl: () => `${options.selfUrl()}/`,
    now,
    log,
    settings: { tokenLifetimeMs: options.tokenLifetimeMs, retentionMs: options.retentionMs, bot: { id: 'parley', name: 'Parley' } },
  });
  const streams = new StreamHub({ channel, store, broadcast, now, log });
  streams.attach(server.server);

  mountClientApi(server, { channel, streams, maxActivityBytes: options.maxActivityBytes, webSocketOrigin: (req) => webSocketOrigin(req.headers.host, options.publicUrl) ?? `ws://${new URL(options.selfUrl()).host}`, log });
  mountConnectorApi(server, { channel, log });
  reshapeRestifyErrors(server, (path) => path.startsWith('/v3/') || path === '/api/directline/token');

  let purged: Promise<void> = Promise.resolve();
  const purge = () => {
    purged = channel.purge().catch((err: unknown) => log.error(`[directline] purge failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  // The tables exist only once the app's migrations have run (a failure there is listen()'s to report).
  void options.ready.then(purge, () => undefined);
  const purging = setInterval(purge, HOUR_MS);
  purging.unref();

  return {
    async close() {
      clearInterval(purging);
      // Residents' messages on their way to the bot finish first (for at most DRAIN_MS): the bot
      // answers them through this server's own Connector routes, so bot/index.ts closes its
      // listener only after this.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([bot.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
      clearTimeout(timer);
      streams.close();
      // A purge in progress finishes before the database closes.
      await purged;
    },
  };
}
