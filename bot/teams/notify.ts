import { CardFactory, type ConversationReference, type TurnContext } from 'botbuilder';
import type { DeskEvents } from '../../handoff/events';
import type { Escalation, EscalationQueue } from '../../handoff/queue';
import { redact } from '../../handoff/redact';
import { escalationCard } from './cards';
import type { TeamsChannel } from './channel';

/**
 * Tells duty officers in a Teams channel about each resident who joins the live queue, with a
 * card that links to the console. Best effort by design: the escalation is already safe in the
 * queue when the card goes out, so a channel that is down is logged (with the escalation id) and
 * nothing else changes; the console still shows the chat.
 */

export interface TeamsNotifierDeps {
  events: DeskEvents;
  queue: Pick<EscalationQueue, 'get'>;
  /** The adapter that posts proactively (CloudAdapter in production). */
  adapter: { continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> };
  /** MicrosoftAppId: empty in local mode. */
  appId: string;
  channel: TeamsChannel;
  departmentName: (id: string) => string;
  publicUrl: string;
  timeZone: string;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

export interface TeamsNotifier {
  /** Stops listening and waits for cards already on their way. */
  close(): Promise<void>;
}

/** The reference that makes the adapter post a new message in the channel. */
export function channelReference(channel: TeamsChannel, appId: string): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    serviceUrl: channel.serviceUrl,
    conversation: { id: channel.conversationId, isGroup: true, conversationType: 'channel', tenantId: channel.tenantId, name: '' },
    // Teams knows a bot as 28:<app id>.
    ...(appId && { bot: { id: `28:${appId}`, name: 'Parley' } }),
  };
}

export function notifyTeamsOfEscalations(deps: TeamsNotifierDeps): TeamsNotifier {
  const inFlight = new Set<Promise<void>>();
  const reference = channelReference(deps.channel, deps.appId);

  const send = async (escalation: Escalation): Promise<void> => {
    const card = escalationCard(
      {
        id: escalation.id,
        departmentName: deps.departmentName(escalation.department),
        priority: escalation.priority,
        reason: escalation.reason,
        // The queue stores summaries redacted; redact again because this leaves the council's systems.
        ...(escalation.summary !== undefined && { summary: redact(escalation.summary).text }),
        queuedAt: new Date(escalation.queuedAt),
      },
      { publicUrl: deps.publicUrl, timeZone: deps.timeZone, now: deps.now() },
    );
    await deps.adapter.continueConversationAsync(deps.appId, reference, async (context) => {
      // The continuation event's id is made up: sent on as replyToId it would name a post that does
      // not exist. Without it the card is a new post in the channel.
      delete context.activity.id;
      await context.sendActivity({ type: 'message', summary: card.fallbackText, attachments: [CardFactory.adaptiveCard(card)] });
    });
  };

  // Local: one card per escalation, however many instances hear about it.
  const unsubscribe = deps.events.subscribeLocal((event) => {
    if (event.type !== 'queued') return;
    // The desk publishes inside the resident's turn: the card must not hold that turn up or fail it.
    const sending: Promise<void> = deps.queue
      .get(event.escalationId)
      .then(async (escalation) => {
        if (!escalation) {
          deps.log.error(`[teams notify] escalation ${event.escalationId}: not found in the queue, no card sent`);
          return;
        }
        await send(escalation).catch((err: unknown) => {
          const why = describe(err);
          deps.log.error(`[teams notify] escalation ${escalation.id} (${escalation.department}): card not delivered to the Teams channel: ${why}`);
        });
      })
      .catch((err: unknown) => deps.log.error(`[teams notify] escalation ${event.escalationId}: reading it from the queue failed, no card sent: ${describe(err)}`))
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  });

  return {
    close: async () => {
      unsubscribe();
      await Promise.all([...inFlight]);
    },
  };
}

/** The connector's errors often have an empty message: the status code is what says why. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { statusCode?: unknown }).statusCode;
  return [err.name, typeof status === 'number' ? `HTTP ${status}` : undefined, err.message || undefined].filter(Boolean).join(': ');
}
