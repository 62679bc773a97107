import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ActivitySet, DirectLineChannel } from './channel';
import type { ActivityFeed } from './feed';

/**
 * Direct Line's `streamUrl`: a WebSocket per open chat window that receives `{activities,
 * watermark}` sets as they are stored. The URL carries a one-use ticket that expires in a minute
 * (as Azure's does) rather than the conversation's token, so a token never sits in a URL where
 * proxies log it. A client that loses its socket asks for a new streamUrl with its watermark and
 * gets what it missed first.
 */

const TICKET_MS = 60_000;
const STREAM_PATH = /^\/v3\/directline\/conversations\/([A-Za-z0-9_-]{1,64})\/stream$/;

interface Ticket {
  conversationId: string;
  watermark: number;
  expiresAt: number;
}

export interface StreamDeps {
  channel: DirectLineChannel;
  feed: ActivityFeed;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

export class StreamHub {
  private readonly tickets = new Map<string, Ticket>();
  private readonly sockets = new Set<WebSocket>();
  // Clients only ever send empty keep-alive frames; anything large is not a Direct Line client.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

  constructor(private readonly deps: StreamDeps) {}

  /** The path and query of a new streamUrl for the conversation, starting after `watermark`. */
  streamPath(conversationId: string, watermark: number): string {
    const now = this.deps.now().getTime();
    for (const [key, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(key);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { conversationId, watermark, expiresAt: now + TICKET_MS });
    return `/v3/directline/conversations/${conversationId}/stream?watermark=${watermark}&t=${ticket}`;
  }

  /** Listens for WebSocket upgrades on the HTTP server; other paths are left to other listeners. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = STREAM_PATH.exec(url.pathname);
      if (!match) return;
      const key = url.searchParams.get('t') ?? '';
      const ticket = this.tickets.get(key);
      this.tickets.delete(key);
      if (!ticket || ticket.expiresAt <= this.deps.now().getTime() || ticket.conversationId !== match[1]) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, ticket));
    });
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }

  private serve(ws: WebSocket, { conversationId, watermark }: Ticket): void {
    this.sockets.add(ws);
    let sent = watermark;
    const push = (set: ActivitySet) => ws.send(JSON.stringify(set));
    // Subscribe before reading the backlog (both synchronous), skipping what was already sent:
    // nothing stored in between can be missed or sent twice.
    const unsubscribe = this.deps.feed.subscribe(conversationId, (stored) => {
      if (stored.seq <= sent) return;
      sent = stored.seq;
      push({ activities: [stored.activity], watermark: String(stored.seq) });
    });
    const backlog = this.deps.channel.activities(conversationId, watermark);
    if (backlog.activities.length) {
      sent = Number(backlog.watermark);
      push(backlog);
    }
    ws.on('close', () => {
      unsubscribe();
      this.sockets.delete(ws);
    });
    ws.on('error', (err) => this.deps.log.error(`[directline] stream of conversation ${conversationId}: ${err.message}`));
  }
}
