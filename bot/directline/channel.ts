import { HttpError } from '../../handoff/http';
import type { Broadcast } from '../db/broadcast';
import type { BotEndpoint } from './botEndpoint';
import { FORWARDED_FIELDS, type ClientActivity } from './schemas';
import { activityId, type ChannelConversation, type ChannelStore, type StoredActivity } from './store';
import { hashToken, newConversationId, newToken, newUserId } from './tokens';

/**
 * The web channel's rules, apart from HTTP: who may read and write a conversation, what the bot
 * receives, what the browser gets back. The routes in clientApi.ts and connectorApi.ts and the
 * stream in stream.ts are thin layers over it. Refusals are HttpErrors carrying Direct Line's
 * error codes (`TokenExpired`, `NotFound`, `BotError`...), which those layers send as
 * `{error: {code, message}}`.
 */

export const CHANNEL_ID = 'directline';

/**
 * The broadcast channel on which "conversation X has new activities" goes to every instance
 * (the message is the conversation id alone: the words stay in the database).
 */
export const NEW_ACTIVITIES = 'directline_activities';

export interface ChannelSettings {
  tokenLifetimeMs: number;
  /** Activities, and conversations idle, longer than this are deleted. */
  retentionMs: number;
  /** The bot's account on this channel, as Azure would name it in `recipient`. */
  bot: { id: string; name: string };
}

export interface ChannelDeps {
  store: ChannelStore;
  /** Tells every instance's open streams of a conversation that it has new activities. */
  broadcast: Broadcast;
  bot: BotEndpoint;
  /** Where the bot posts its replies: this process's Bot Connector routes. */
  serviceUrl: () => string;
  now: () => Date;
  log: Pick<Console, 'info' | 'error'>;
  settings: ChannelSettings;
}

/** What Direct Line's token and conversation operations answer. */
export interface ConversationGrant {
  conversationId: string;
  token: string;
  expires_in: number;
}

export interface ActivitySet {
  activities: Record<string, unknown>[];
  watermark: string;
}

export class DirectLineChannel {
  constructor(private readonly deps: ChannelDeps) {}

  /** A new conversation and its first token: the server-side "tokens/generate". */
  async issueToken(): Promise<ConversationGrant> {
    const now = this.deps.now();
    // Each new chat clears out what has passed its retention, so the buffer never grows unbounded.
    // A purge that fails (on PostgreSQL, two instances' purges can deadlock and one is cancelled)
    // must not cost the resident their chat: the next one, or the hourly one, catches up.
    await this.purge().catch((err: unknown) => this.deps.log.error(`[directline] purge before a new conversation failed: ${describe(err)}`));
    const conversation = await this.deps.store.createConversation({ id: newConversationId(), userId: newUserId() }, now);
    return this.grant(conversation, now);
  }

  /** A fresh token for the same conversation; the old one still works until it expires. */
  async refresh(token: string | undefined): Promise<ConversationGrant> {
    return this.grant(await this.authorise(token), this.deps.now());
  }

  /**
   * The conversation a token may use, checked against the one a request names: a missing token
   * 401; an unknown or expired token, or another conversation's, 403; a conversation that does
   * not exist 404.
   */
  async authorise(token: string | undefined, conversationId?: string): Promise<ChannelConversation> {
    if (!token) throw new HttpError(401, 'Unauthorized', 'Send the token in an Authorization: Bearer header.');
    const found = await this.deps.store.token(hashToken(token), this.deps.now());
    if (found.kind === 'expired') throw new HttpError(403, 'TokenExpired', 'This token has expired: ask for a new one.');
    if (found.kind === 'unknown') throw new HttpError(403, 'Forbidden', 'This token is not valid.');
    const id = conversationId ?? found.conversationId;
    const conversation = await this.deps.store.conversation(id);
    if (!conversation) throw new HttpError(404, 'NotFound', 'There is no such conversation.');
    if (id !== found.conversationId) throw new HttpError(403, 'Forbidden', 'This token is for another conversation.');
    return conversation;
  }

  /** Seconds left on a token the client already holds (for the start and reconnect answers). */
  async secondsLeft(token: string): Promise<number> {
    const found = await this.deps.store.token(hashToken(token), this.deps.now());
    return found.kind === 'valid' ? Math.max(0, Math.floor((Date.parse(found.expiresAt) - this.deps.now().getTime()) / 1000)) : 0;
  }

  /**
   * Starts the conversation the first time (the bot hears the resident join and welcomes them);
   * later starts, after a page reload, only resume it. A bot that fails to welcome is logged and
   * the chat still opens: the resident can type anyway.
   */
  async start(conversation: ChannelConversation, locale?: string): Promise<void> {
    if (!(await this.deps.store.markStarted(conversation.id, this.deps.now()))) return;
    const { bot } = this.deps.settings;
    try {
      await this.deps.bot.send({
        type: 'conversationUpdate',
        id: activityId(conversation.id, 0),
        channelId: CHANNEL_ID,
        serviceUrl: this.deps.serviceUrl(),
        conversation: { id: conversation.id },
        from: { id: conversation.userId, role: 'user' },
        recipient: { ...bot, role: 'bot' },
        membersAdded: [{ id: bot.id, name: bot.name }, { id: conversation.userId }],
        timestamp: this.deps.now().toISOString(),
        ...(locale && { locale }),
      });
    } catch (err) {
      this.deps.log.error(`[directline] welcome for conversation ${conversation.id} failed: ${describe(err)}`);
    }
  }

  /**
   * A resident's activity: stored first (so it is echoed into their stream, `clientActivityID`
   * intact, before the bot's reply), then sent to the bot. The resident's words are never logged.
   */
  async post(conversation: ChannelConversation, activity: ClientActivity): Promise<string> {
    const now = this.deps.now();
    const fields = Object.fromEntries(FORWARDED_FIELDS.filter((f) => activity[f] !== undefined).map((f) => [f, activity[f]]));
    const stored = await this.store(conversation.id, {
      ...fields,
      channelId: CHANNEL_ID,
      conversation: { id: conversation.id },
      // The sender is the conversation's own user, whatever the browser claims: the bot keeps a
      // resident's postcode under this id, so it must not be choosable.
      from: { id: conversation.userId, ...(activity.from?.name && { name: activity.from.name }), role: 'user' },
      recipient: { ...this.deps.settings.bot, role: 'bot' },
      timestamp: now.toISOString(),
    });
    try {
      await this.deps.bot.send({ ...(stored.activity as { conversation: { id: string } }), serviceUrl: this.deps.serviceUrl() });
    } catch (err) {
      this.deps.log.error(`[directline] activity ${String(stored.activity.id)} could not reach the bot: ${describe(err)}`);
      throw new HttpError(502, 'BotError', 'Failed to send activity: the bot is unavailable or returned an error.');
    }
    return String(stored.activity.id);
  }

  /** An activity from the bot (a reply, or a proactive message such as an agent's words). */
  async fromBot(conversationId: string, activity: Record<string, unknown>): Promise<string> {
    if (!(await this.deps.store.conversation(conversationId))) throw new HttpError(404, 'NotFound', 'There is no such conversation on this channel.');
    const { id: _ignored, serviceUrl: _internal, replyToId, ...rest } = activity;
    const from = (activity.from ?? {}) as Record<string, unknown>;
    // Web Chat holds back a reply for 5 seconds, waiting for the activity it answers. A proactive
    // message (an agent's words) "replies" to the made-up event botbuilder continued the
    // conversation with, which no client ever sees: keep only a replyToId the client can find.
    const answers = typeof replyToId === 'string' && (await this.deps.store.hasActivity(conversationId, replyToId)) ? { replyToId } : {};
    const stored = await this.store(conversationId, {
      ...rest,
      ...answers,
      channelId: CHANNEL_ID,
      conversation: { id: conversationId },
      from: { ...this.deps.settings.bot, ...from, role: from.role ?? 'bot' },
      timestamp: this.deps.now().toISOString(),
    });
    return String(stored.activity.id);
  }

  /** Everything after the watermark: the polling answer and a stream's backlog. */
  async activities(conversationId: string, watermark: number): Promise<ActivitySet> {
    const list = await this.deps.store.activitiesAfter(conversationId, watermark);
    return { activities: list.map((s) => s.activity), watermark: String(list.at(-1)?.seq ?? watermark) };
  }

  async purge(): Promise<void> {
    const counts = await this.deps.store.purge(this.deps.now(), this.deps.settings.retentionMs);
    if (counts.conversations || counts.activities) {
      this.deps.log.info(`[directline] purged ${counts.conversations} conversations and ${counts.activities} activities past retention`);
    }
  }

  /**
   * Stored, then announced to every instance's streams. The activity is safe once stored: if the
   * announcement fails, it is logged and a stream gets the activity with the next one, or when
   * its client reconnects with its watermark; the request itself succeeds.
   */
  private async store(conversationId: string, activity: Record<string, unknown>): Promise<StoredActivity> {
    const stored = await this.deps.store.append(conversationId, activity, this.deps.now());
    try {
      await this.deps.broadcast.publish(NEW_ACTIVITIES, conversationId);
    } catch (err) {
      this.deps.log.error(`[directline] could not announce activity ${String(stored.activity.id)} to open streams: ${describe(err)}`);
    }
    return stored;
  }

  private async grant(conversation: ChannelConversation, now: Date): Promise<ConversationGrant> {
    const token = newToken({ user: conversation.userId, conv: conversation.id });
    await this.deps.store.addToken(hashToken(token), conversation.id, new Date(now.getTime() + this.deps.settings.tokenLifetimeMs), now);
    return { conversationId: conversation.id, token, expires_in: Math.floor(this.deps.settings.tokenLifetimeMs / 1000) };
  }
}

/** Parses the `watermark` query parameter: absent or empty is the start of the conversation. */
export function parseWatermark(value: unknown): number {
  if (value === undefined || value === '') return 0;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  throw new HttpError(400, 'BadArgument', 'watermark must be a whole number, as returned with the last activities.');
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
