import { EventEmitter } from 'node:events';
import pg from 'pg';

/**
 * Short messages to every Parley instance on the same database, this one included: what lets a
 * resident connected to one instance hear an officer signed in on another. On SQLite there is
 * one instance, so it is an in-process emitter; on PostgreSQL it is LISTEN/NOTIFY.
 * Messages carry ids and kinds, never residents' words (NOTIFY payloads are limited to 8,000 bytes).
 */
export interface Broadcast {
  publish(channel: string, message: string): Promise<void>;
  /** Calls `listener` for each message on `channel`; returns the unsubscribe. */
  subscribe(channel: string, listener: (message: string) => void): () => void;
  close(): Promise<void>;
}

/** One process: delivered synchronously, before `publish` returns, as the desk's events always were. */
export class LocalBroadcast implements Broadcast {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: string): Promise<void> {
    checkChannel(channel);
    this.emitter.emit(channel, message);
  }

  subscribe(channel: string, listener: (message: string) => void): () => void {
    checkChannel(channel);
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** Channel names are PostgreSQL identifiers; ours are fixed words, checked on both backends so a typo fails loudly in tests on SQLite too. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * LISTEN on one dedicated connection (a pooled one would be handed to other queries), NOTIFY
 * through the pool. If the listening connection drops, it reconnects and listens again; messages
 * sent meanwhile are missed, so whoever relies on them also re-reads the database (the console
 * re-fetches its lists when its stream reconnects; residents' channels poll by watermark).
 */
export class PostgresBroadcast implements Broadcast {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly channels = new Set<string>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private retryMs = 250;

  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly log: Pick<Console, 'error'>,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    checkChannel(channel);
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, message]);
  }

  subscribe(channel: string, listener: (message: string) => void): () => void {
    checkChannel(channel);
    this.emitter.on(channel, listener);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      void this.listen(channel);
    }
    return () => this.emitter.off(channel, listener);
  }

  /** Resolves once every subscribed channel is being listened to: tests and start-up wait for it. */
  async ready(): Promise<void> {
    await this.connection();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.emitter.removeAllListeners();
    const client = this.client;
    this.client = undefined;
    await client?.end();
  }

  private async listen(channel: string): Promise<void> {
    try {
      const client = await this.connection();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      this.log.error(`[broadcast] could not listen on ${channel}: ${(err as Error).message}; retrying when reconnected`);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    await this.connecting;
    if (!this.client) throw new Error('The broadcast connection to PostgreSQL is closed');
    return this.client;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => this.emitter.emit(n.channel, n.payload ?? ''));
    client.on('error', (err) => {
      this.log.error(`[broadcast] lost the PostgreSQL connection: ${err.message}; reconnecting`);
      if (this.client === client) this.client = undefined;
      // The connection is already broken: its end() failing too would say nothing new.
      void client.end().catch(() => undefined);
      this.reconnectLater();
    });
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.retryMs = 250;
  }

  private reconnectLater(): void {
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      if (this.closed || this.client) return;
      this.connection().catch((err: Error) => {
        this.log.error(`[broadcast] reconnecting to PostgreSQL failed: ${err.message}`);
        this.reconnectLater();
      });
    }, wait).unref();
  }
}

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`Not a broadcast channel name: ${JSON.stringify(channel)}`);
}
