import { z } from 'zod';

/**
 * What reporting records: one event per step of a conversation with the bot, and one per step of
 * a chat or left message on the desk. Ids, departments, entry ids and reasons only: never a
 * resident's words, contact details or the conversation id itself (the store keeps a keyed hash).
 * Figures (figures.ts) are worked out from these events alone.
 */

/** Why the bot offered a person (bot/state.ts `HandoffReason`). */
export const HANDOFF_REASONS = ['asked', 'misses', 'feedback', 'urgent', 'topic', 'lookup'] as const;
/** Why a resident who accepted could not be queued (handoff/capacity.ts `LeaveMessageReason`). */
export const UNAVAILABLE_REASONS = ['closed', 'nobody-on-duty', 'overflow'] as const;

const id = z.string().min(1);
const handoffReason = z.enum(HANDOFF_REASONS);
const handoff = { reason: handoffReason, department: id, entry: id.optional() };

/** Steps of a conversation with the bot, as bot/conversation.ts reports them. */
export const conversationEventSchema = z.discriminatedUnion('type', [
  /** The resident's first message of the conversation. */
  z.object({ type: z.literal('started') }),
  /**
   * The bot gave an entry's answer (or asked for the postcode of a lookup entry): `question` when
   * the resident asked, `choice` when they picked it from "Did you mean" or the related buttons.
   */
  z.object({ type: z.literal('answered'), entry: id, department: id, via: z.enum(['question', 'choice']) }),
  z.object({ type: z.literal('did-you-mean'), entries: z.array(id) }),
  z.object({ type: z.literal('not-understood') }),
  z.object({ type: z.literal('none-of-these') }),
  /** The resident's Yes or No to "Did this help?". */
  z.object({ type: z.literal('feedback'), entry: id, department: id, helped: z.boolean() }),
  z.object({ type: z.literal('handoff-offered'), ...handoff }),
  z.object({ type: z.literal('handoff-accepted'), ...handoff }),
  z.object({ type: z.literal('handoff-declined'), ...handoff }),
  /** Accepted, but nobody could chat: the department was closed, nobody was on duty, or the wait was too long. */
  z.object({ type: z.literal('handoff-unavailable'), reason: z.enum(UNAVAILABLE_REASONS), department: id }),
]);
export type ConversationEvent = z.infer<typeof conversationEventSchema>;

const escalation = z.number().int().positive();

/** Steps on the desk, from handoff/events.ts's DeskEvents (see record.ts). */
export const deskEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), escalation, department: id, priority: z.enum(['normal', 'high']), reason: z.string() }),
  z.object({ type: z.literal('picked-up'), escalation, department: id, agent: id }),
  z.object({ type: z.literal('transferred'), escalation, from: id, department: id }),
  /** Back in the queue because the agent went away or lost their connection. */
  z.object({ type: z.literal('requeued'), escalation, department: id, agent: id }),
  /** `because`: closed-by-agent, handed-back or cancelled-by-resident. */
  z.object({ type: z.literal('closed'), escalation, department: id, because: z.string() }),
  z.object({ type: z.literal('rated'), escalation, department: id, rating: z.number().int().min(1).max(5) }),
  /** `reason`: why the resident could not chat (closed, nobody-on-duty, overflow). */
  z.object({ type: z.literal('message-left'), escalation, department: id, reason: z.string() }),
  z.object({ type: z.literal('message-answered'), escalation, department: id }),
]);
export type DeskRecord = z.infer<typeof deskEventSchema>;

/** An event as the store gives it back: when, and for conversation steps whose conversation (hashed). */
export type StoredEvent = { at: string } & ((ConversationEvent & { conversation: string }) | DeskRecord);

export const isConversationEvent = (e: StoredEvent): e is Extract<StoredEvent, { conversation: string }> => 'conversation' in e;
