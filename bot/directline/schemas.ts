import { z } from 'zod';

/**
 * The shapes that cross the channel's HTTP boundaries: what a browser may post (Direct Line) and
 * what the bot posts back (Bot Connector). Loose where the specifications allow extra fields,
 * strict where a field decides who said what.
 */

const text = (max: number) => z.string().max(max);

/** The parts of a sender a browser may describe; the id is the channel's, not the browser's. */
const clientAccount = z.looseObject({ id: text(256).optional(), name: text(256).optional(), role: text(32).optional() });

/**
 * An activity from Web Chat or another Direct Line client. Only messages, typing and events:
 * membership changes and everything else are the channel's to announce, not a browser's.
 */
export const clientActivitySchema = z
  .looseObject({
    type: z.enum(['message', 'typing', 'event'], { message: 'must be "message", "typing" or "event"' }),
    text: z.string().optional(),
    textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
    locale: text(35).optional(),
    name: text(256).optional(),
    value: z.unknown().optional(),
    channelData: z.record(z.string(), z.unknown()).optional(),
    entities: z.array(z.record(z.string(), z.unknown())).optional(),
    attachments: z.array(z.unknown()).max(0, { message: 'file uploads are not supported by this channel' }).optional(),
    localTimestamp: text(64).optional(),
    localTimezone: text(64).optional(),
    from: clientAccount.optional(),
  })
  .refine((a) => a.type !== 'message' || a.text !== undefined || a.value !== undefined, {
    path: ['text'],
    message: 'a message needs text or a value',
  })
  .refine((a) => a.type !== 'event' || (a.name ?? '') !== '', { path: ['name'], message: 'an event needs a name' });

export type ClientActivity = z.infer<typeof clientActivitySchema>;

/** The fields of a client's activity the bot receives; the channel fills in the rest. */
export const FORWARDED_FIELDS = ['type', 'text', 'textFormat', 'locale', 'name', 'value', 'channelData', 'entities', 'localTimestamp', 'localTimezone'] as const;

/** An activity the bot sends (a reply or a proactive message). The channel sets id and timestamp. */
export const botActivitySchema = z.looseObject({
  type: z.string().min(1, { message: 'must not be empty' }),
  text: z.string().optional(),
  from: z.looseObject({ id: z.string().optional(), name: z.string().optional(), role: z.string().optional() }).optional(),
});

/** Optional body of the token endpoint; the channel picks the user id itself. */
export const startConversationSchema = z.looseObject({ locale: text(35).optional() }).optional();
