import { EventEmitter } from 'node:events';
import type { StoredActivity } from './store';

/**
 * Tells open WebSocket streams that a conversation has a new activity, in this process. The
 * activity itself is already in the store; a stream that misses a notice loses nothing, because
 * a reconnecting client asks for everything after its watermark.
 */
export class ActivityFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open chat window: far more than the default 10.
    this.emitter.setMaxListeners(0);
  }

  publish(conversationId: string, stored: StoredActivity): void {
    this.emitter.emit(conversationId, stored);
  }

  /** Returns the function that unsubscribes. */
  subscribe(conversationId: string, listener: (stored: StoredActivity) => void): () => void {
    this.emitter.on(conversationId, listener);
    return () => this.emitter.off(conversationId, listener);
  }
}
