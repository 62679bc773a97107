import { TeamsActivityHandler, TurnContext, type ConversationState, type UserState } from 'botbuilder';
import type { Conversation } from './conversation';
import { newConversationData, type ConversationData, type UserData } from './state';

/**
 * The activity handler: thin on purpose. It loads state, hands the message to the
 * conversation steps, sends what they return, and saves state. Built on
 * TeamsActivityHandler so the same bot serves Microsoft Teams.
 */
export class ParleyBot extends TeamsActivityHandler {
  constructor(
    private readonly conversationState: ConversationState,
    private readonly userState: UserState,
    conversation: Conversation,
  ) {
    super();
    const conversationData = conversationState.createProperty<ConversationData>('parley');
    const userData = userState.createProperty<UserData>('resident');

    this.onMembersAdded(async (context, next) => {
      const joined = (context.activity.membersAdded ?? []).some((m) => m.id !== context.activity.recipient.id);
      if (joined) await context.sendActivities(conversation.welcome());
      await next();
    });

    this.onMessage(async (context, next) => {
      // In Teams channels the message starts with an @mention of the bot.
      const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
      const data = await conversationData.get(context, newConversationData());
      const user = await userData.get(context, {});
      await context.sendActivities(conversation.message(text, data, user));
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }
}
