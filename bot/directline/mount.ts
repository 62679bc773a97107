import type { Server } from 'restify';
import type { Db } from '../db';
import { httpBotEndpoint } from './botEndpoint';
import { DirectLineChannel } from './channel';
import { mountClientApi } from './clientApi';
import { mountConnectorApi } from './connectorApi';
import { ActivityFeed } from './feed';
import { webSocketOrigin } from './origin';
import { reshapeRestifyErrors } from './respond';
import { SqliteChannelStore } from './store';
import { StreamHub } from './stream';

/**
 * Parley's own web channel on the bot's restify server: Direct Line for the browser, the Bot
 * Connector subset for the bot's replies, the WebSocket stream, and the hourly purge. bot/index.ts
 * calls this in local mode only, and it is the only place that knows both the channel and the bot.
 */

export interface LocalDirectLineOptions {
  db: Db;
  /** This server's own address once it listens (`http://localhost:3978`): the bot's endpoint and serviceUrl. */
  selfUrl: () => string;
  /** The address residents' browsers use, when a proxy sits in front; else the request's Host. */
  publicUrl?: string;
  tokenLifetimeMs: number;
  retentionMs: number;
  maxActivityBytes: number;
  now: () => Date;
  log: Pick<Console, 'info' | 'error'>;
}

export interface MountedChannel {
  close(): void;
}

const HOUR_MS = 60 * 60 * 1000;

export function mountLocalDirectLine(server: Server, options: LocalDirectLineOptions): MountedChannel {
  const { now, log } = options;
  const store = new SqliteChannelStore(options.db);
  const feed = new ActivityFeed();
  const channel = new DirectLineChannel({
    store,
    feed,
    bot: httpBotEndpoint(() => `${options.selfUrl()}/api/messages`),
    serviceUrl: () => `${options.selfUrl()}/`,
    now,
    log,
    settings: { tokenLifetimeMs: options.tokenLifetimeMs, retentionMs: options.retentionMs, bot: { id: 'parley', name: 'Parley' } },
  });
  const streams = new StreamHub({ channel, feed, now, log });
  streams.attach(server.server);

  mountClientApi(server, { channel, streams, maxActivityBytes: options.maxActivityBytes, webSocketOrigin: (req) => webSocketOrigin(req.headers.host, options.publicUrl) ?? `ws://${new URL(options.selfUrl()).host}`, log });
  mountConnectorApi(server, { channel, log });
  reshapeRestifyErrors(server, (path) => path.startsWith('/v3/') || path === '/api/directline/token');

  channel.purge();
  const purging = setInterval(() => {
    try {
      channel.purge();
    } catch (err) {
      log.error(`[directline] purge failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, HOUR_MS);
  purging.unref();

  return {
    close() {
      clearInterval(purging);
      streams.close();
    },
  };
}
