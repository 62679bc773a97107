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

export interface BotEndpoint {
  send(activity: Record<string, unknown> & { conversation: { id: string } }): Promise<void>;
}

/** `messagesUrl` is read at each call: the server's port is known only once it listens. */
export function httpBotEndpoint(messagesUrl: () => string): BotEndpoint {
  return {
    async send(activity) {
      const res = await fetch(messagesUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      // The adapter answers 200 (or 201/202 for some invokes); the body says nothing we need.
      await res.arrayBuffer();
      if (!res.ok) throw new BotRejectedActivity(res.status, activity.conversation.id);
    },
  };
}
