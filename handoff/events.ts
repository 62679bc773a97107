import { EventEmitter } from 'node:events';

/**
 * What happens on the desk that a signed-in console should hear about at once: the live stream
 * behind GET /api/console/events. In-process for one instance; a PostgreSQL deployment can feed
 * the same interface from LISTEN/NOTIFY. Events carry ids and departments, never residents' words:
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
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: DeskEvent) => void): () => void;
}

export class InProcessDeskEvents implements DeskEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open console tab; a busy contact centre has more than the default 10.
    this.emitter.setMaxListeners(0);
  }

  publish(event: DeskEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: DeskEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
