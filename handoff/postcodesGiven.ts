import type { Activity } from 'botbuilder';

/**
 * The one exception to redacting postcodes in transcripts (issue 5): a postcode the resident gave
 * to the bin lookup is kept, in their message and in the bot's answer to it, so an officer can
 * see which round was looked up. The bot marks the resident's message during the turn; the
 * transcript store asks after the turn, when TranscriptLoggerMiddleware writes it (the bot's
 * replies point at that message through `replyToId`).
 */
export class PostcodesGiven {
  /** Keys in the order marked; the oldest are forgotten past `limit`, long after their turn was written. */
  private readonly marked = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  /** The resident's message (this activity) gave its postcode to the bin lookup. */
  mark(activity: Pick<Activity, 'id' | 'conversation'>): void {
    if (!activity.id || !activity.conversation?.id) return;
    this.marked.add(key(activity.conversation.id, activity.id));
    if (this.marked.size > this.limit) this.marked.delete(this.marked.values().next().value!);
  }

  /** For the transcript store: the marked message itself, or a reply to it. */
  keeps(activity: Readonly<Partial<Activity>>): boolean {
    const conversationId = activity.conversation?.id;
    if (!conversationId) return false;
    return [activity.id, activity.replyToId].some((id) => id !== undefined && this.marked.has(key(conversationId, id)));
  }
}

const key = (conversationId: string, activityId: string) => `${conversationId}\u0000${activityId}`;
