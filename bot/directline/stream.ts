import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Broadcast } from '../db/broadcast';
import { NEW_ACTIVITIES, type DirectLineChannel } from './channel';
import { ACTIVITY_PAGE, type ChannelStore, type StreamTicket } from './store';
import { hashToken } from './tokens';

/**
 * Direct Line's `streamUrl`: a WebSocket per open chat window that receives `{activities,
 * watermark}` sets as they are stored. The URL carries a one-use ticket that expires in a minute
 * (as Azure's does) rather than the conversation's token, so a token never sits in a URL where
 * proxies log it. A client that loses its socket asks for a new streamUrl with its watermark and
 * gets what it missed first.
 *
 * Several instances: the ticket is kept in the database (only its hash), so the socket may reach
 * any instance; and a new activity stored by any instance is announced on the broadcast, upon
 * which every open socket of that conversation reads on from its own watermark.
 */

const TICKET_MS = 60_000;
const STREAM_PATH = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,64})\/stream$/;

export interface StreamDeps {
  channel: DirectLineChannel;
  store: Pick<ChannelStore, 'addStreamTicket' | 'takeStreamTicket'>;
  broadcast: Broadcast;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

/** One open socket: what it has sent, and whether a read is running or owed. */
interface Reader {
  sent: number;
  reading: boolean;
  again: boolean;
  ws: WebSocket;
}

export class StreamHub {
  private readonly readers = new Map<string, Set<Reader>>();
  private readonly sockets = new Set<WebSocket>();
  // Clients only ever send empty keep-alive frames; anything large is not a Direct Line client.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: StreamDeps) {
    this.unsubscribe = deps.broadcast.subscribe(NEW_ACTIVITIES, (conversationId) => {
      for (const reader of this.readers.get(conversationId) ?? []) this.pull(conversationId, reader);
    });
  }

  /** The path and query of a new streamUrl for the conversation, starting after `watermark`. */
  async streamPath(conversationId: string, watermark: number): Promise<string> {
    const ticket = randomBytes(24).toString('base64url');
    await this.deps.store.addStreamTicket(hashToken(ticket), { conversationId, watermark, expiresAt: new Date(this.deps.now().getTime() + TICKET_MS) });
    return `/v3/directline/conversations/${conversationId}/stream?watermark=${watermark}&t=${ticket}`;
  }

  /** Listens for WebSocket upgrades on the HTTP server; other paths are left to other listeners. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = STREAM_PATH.exec(url.pathname);
      if (!match) return;
      this.accept(req, socket, head, match[1]!, url.searchParams.get('t') ?? '').catch((err: unknown) => {
        this.deps.log.error(`[directline] stream of conversation ${match[1]} could not open: ${describe(err)}`);
        socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
    });
  }

  close(): void {
    this.unsubscribe();
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, conversationId: string, key: string): Promise<void> {
    const ticket = key ? await this.deps.store.takeStreamTicket(hashToken(key), this.deps.now()) : undefined;
    if (!ticket || ticket.conversationId !== conversationId) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, ticket));
  }

  private serve(ws: WebSocket, { conversationId, watermark }: StreamTicket): void {
    this.sockets.add(ws);
    const reader: Reader = { sent: watermark, reading: false, again: false, ws };
    // Registered before the backlog is read: an announcement arriving meanwhile makes the reader
    // read again from where the backlog ended, so nothing is missed or sent twice.
    let readers = this.readers.get(conversationId);
    if (!readers) this.readers.set(conversationId, (readers = new Set()));
    readers.add(reader);
    this.pull(conversationId, reader);
    ws.on('close', () => {
      readers.delete(reader);
      if (readers.size === 0 && this.readers.get(conversationId) === readers) this.readers.delete(conversationId);
      this.sockets.delete(ws);
    });
    ws.on('error', (err) => this.deps.log.error(`[directline] stream of conversation ${conversationId}: ${err.message}`));
  }

  /** Sends what is after the reader's watermark; one read at a time per socket, repeated if asked meanwhile. */
  private pull(conversationId: string, reader: Reader): void {
    if (reader.reading) {
      reader.again = true;
      return;
    }
    reader.reading = true;
    reader.again = false;
    this.deps.channel
      .activities(conversationId, reader.sent)
      .then((set) => {
        if (set.activities.length === 0 || reader.ws.readyState !== reader.ws.OPEN) return;
        reader.sent = Number(set.watermark);
        reader.ws.send(JSON.stringify(set));
        // A full page may not be all: read on.
        if (set.activities.length >= ACTIVITY_PAGE) reader.again = true;
      })
      .catch((err: unknown) => this.deps.log.error(`[directline] reading conversation ${conversationId} for its stream: ${describe(err)}`))
      .finally(() => {
        reader.reading = false;
        if (reader.again) this.pull(conversationId, reader);
      });
  }
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
