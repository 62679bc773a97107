import { EventFactory, TeamsActivityHandler, TurnContext } from 'botbuilder';
import type { HandoffDesk } from '../handoff/desk';
import type { PostcodesGiven } from '../handoff/postcodesGiven';
import type { Conversation, HandoffPort, Outcome } from './conversation';
import { text as say } from './replies';
import { forTeams } from './teams/cards';
import type { TurnStateStore } from './turnState';

/**
 * The activity handler: thin on purpose. It loads state, hands the message to the
 * conversation steps, sends what they return, and saves state. Built on
 * TeamsActivityHandler so the same bot serves Microsoft Teams.
 */
export class ParleyBot extends TeamsActivityHandler {
  constructor(
    states: TurnStateStore,
    conversation: Conversation,
    /** Without a desk (tests of the bot alone) nobody is ever on duty. */
    desk?: HandoffDesk,
    now: () => Date = () => new Date(),
    /** Where the bot notes a postcode given to the bin lookup, which the transcript then keeps. */
    postcodesGiven?: PostcodesGiven,
    /**
     * Keeps what came of each step (reporting's events; the knowledge-gaps store takes the questions
     * left unanswered, redacting them). Also told when a conversation starts.
     */
    record?: (outcome: Outcome, conversationId: string) => void,
  ) {
    super();

    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient.id);
      if (joined) await context.sendActivities(conversation.welcome());
      await next();
    });

    this.onMessage(async (context, next) => {
      // In Teams channels the message starts with an @mention of the bot.
      const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
      const conversationId = context.activity.conversation.id;
      // The handoff state decides first: a resident waiting or chatting with a person is not the bot's.
      const turn = desk ? await desk.residentMessage(conversationId, text, now()) : { kind: 'bot' as const };
      if (turn.kind === 'waiting') {
        await context.sendActivities([...(await conversation.whileYouWait(text)), { type: 'message', text: say.stillWaiting(turn.position) }]);
      }
      if (turn.kind === 'left-queue') await context.sendActivity(say.leftQueue);
      if (turn.kind === 'rated') await context.sendActivity(say.thanksForRating);
      if (turn.kind === 'bot') {
        const state = await states.load(context.activity);
        // No state yet: this is the conversation's first message.
        if (state.isNew) record?.({ type: 'started' }, conversationId);
        const { conversation: data, user } = state;
        const reference = TurnContext.getConversationReference(context.activity);
        let queued: { department: string; priority: string; reason: string } | undefined;
        const handoff: HandoffPort | undefined = desk && {
          requestPerson: async (offer, summary) => {
            const outcome = await desk.request(
              { conversationId, reference, department: offer.department, priority: offer.priority, reason: offer.reason, ...(offer.entryId && { entryId: offer.entryId }), summary },
              now(),
            );
            if (outcome.kind === 'queued') queued = { department: offer.department, priority: offer.priority, reason: offer.reason };
            return outcome;
          },
          leaveMessage: {
            replyBy: (department) => desk.replyBy(department, now()),
            leave: async ({ offer, because, question, contact, summary }) => {
              const left = await desk.leaveMessage(
                { conversationId, reference, department: offer.department, because, question, contact, summary, ...(offer.entryId && { entryId: offer.entryId }) },
                now(),
              );
              return { reference: `M${left.escalation.id}`, ...(left.replyBy && { replyBy: left.replyBy }) };
            },
          },
        };
        const replies = await conversation.message(text, data, user, handoff, record && ((outcome) => record(outcome, conversationId)));
        if (data.postcodeLookedUp) {
          postcodesGiven?.mark(context.activity);
          delete data.postcodeLookedUp;
        }
        await context.sendActivities(replies);
        if (desk && queued) {
          // The standard handoff.initiate event with the transcript, so a channel or contact-centre
          // platform that understands it can take over; Parley's own queue is the default hub.
          const transcript = await desk.transcriptWith(context.activity);
          await context.sendActivity(EventFactory.createHandoffInitiation(context, queued, { activities: transcript }));
        }
        await state.save();
      }
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Every reply of the turn: Teams channels and group chats get cards where they hide buttons.
    context.onSendActivities(async (ctx, activities, next) => {
      activities.splice(0, activities.length, ...forTeams(activities, ctx.activity));
      return next();
    });
    await super.run(context);
  }
}
