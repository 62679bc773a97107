import { EventEmitter } from 'node:events';
import { LocalBroadcast, type Broadcast } from '../bot/db/broadcast';

/**
 * What happens on the desk that a signed-in console should hear about at once: the live stream
 * behind GET /api/console/events. Shared between instances through the database's
 * broadcast (bot/db/broadcast.ts). Events carry ids and departments, never residents' words:
 * the console fetches what it needs through the API, which checks who may see it.
 */
export type DeskEvent =
  | { type: 'queued'; escalationId: number; department: string; priority: 'normal' | 'high' }
  | { type: 'picked-up'; escalationId: number; department: string; agentId: string }
  | { type: 'transferred'; escalationId: number; from: string; department: string }
  | { type: 'requeued'; escalationId: number; department: string; agentId: string }
  | { type: 'closed'; escalationId: number; department: string; because: string }
  | { type: 'resident-message'; escalationId: number; department: string; agentId?: string }
  | { type: 'agent-message'; escalationId: number; department: string; agentId: string }
  | { type: 'message-left'; escalationId: number; department: string }
  | { type: 'message-answered'; escalationId: number; department: string }
  | { type: 'rated'; escalationId: number; department: string; rating: number };

export interface DeskEvents {
  publish(event: DeskEvent): void;
  /**
   * Every desk event, whichever Parley instance it happened on: for consoles' live streams.
   * Returns the function that unsubscribes.
   */
  subscribe(listener: (event: DeskEvent) => void): () => void;
  /**
   * Only the events published by this instance: for what must happen once per event however
   * many instances run (recording it for reports, a Teams card, telling residents their place).
   */
  subscribeLocal(listener: (event: DeskEvent) => void): () => void;
}

/** The broadcast channel desk events travel on between instances. */
const CHANNEL = 'parley_desk';

/**
 * Desk events for this instance and, through the database's broadcast (LISTEN/NOTIFY on
 * PostgreSQL), for every other. Local listeners hear an event synchronously, inside `publish`;
 * on SQLite (one instance, LocalBroadcast) so do the everywhere listeners, as they always did.
 */
export class SharedDeskEvents implements DeskEvents {
  private readonly local = new EventEmitter();

  constructor(
    private readonly broadcast: Broadcast,
    private readonly log: Pick<Console, 'error'> = console,
  ) {
    // One listener per open console tab; a busy contact centre has more than the default 10.
    this.local.setMaxListeners(0);
  }

  publish(event: DeskEvent): void {
    this.local.emit('event', event);
    // The desk publishes inside residents' turns and officers' requests: a broadcast that fails
    // (the database unreachable) must not fail them. Consoles on other instances catch up when
    // their stream reconnects and they re-read the lists.
    this.broadcast.publish(CHANNEL, JSON.stringify(event)).catch((err: unknown) => {
      this.log.error(`[desk events] ${event.type} for escalation ${event.escalationId} not broadcast to other instances: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  subscribe(listener: (event: DeskEvent) => void): () => void {
    return this.broadcast.subscribe(CHANNEL, (message) => {
      let event: DeskEvent;
      try {
        event = JSON.parse(message) as DeskEvent;
      } catch (err) {
        this.log.error(`[desk events] an unreadable broadcast ignored: ${(err as Error).message}`);
        return;
      }
      listener(event);
    });
  }

  subscribeLocal(listener: (event: DeskEvent) => void): () => void {
    this.local.on('event', listener);
    return () => this.local.off('event', listener);
  }
}

/** One process, nothing shared: the events as tests and a single SQLite instance have them. */
export class InProcessDeskEvents extends SharedDeskEvents {
  constructor() {
    super(new LocalBroadcast());
  }
}
