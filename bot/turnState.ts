import type { Activity } from 'botbuilder';
import { newConversationData, type ConversationData, type UserData } from './state';
import type { SqlStorage, StoredDoc } from './stateStorage';

/**
 * The bot's state for one turn: what it remembers of the conversation (`ConversationData`) and of
 * the resident (`UserData`), read together in one query and written back only if changed.
 *
 * Stored as botbuilder's ConversationState and UserState store them: the same keys
 * (`channel/conversations/id/`, `channel/users/id/`), the same documents (`{"parley": ...}` and
 * `{"resident": ...}`) and the same eTag check on write, so state written by either is read by the
 * other, and erasure (handoff/privacy.ts) finds it. What it does not do is theirs per turn: parse,
 * stringify and SHA-256 each object on load and twice more on save to tell whether it changed
 * (about 6% of a busy server's main thread, with one query per key). A change is told here by
 * comparing the JSON text with the text that was read.
 */
export class TurnStateStore {
  constructor(private readonly storage: SqlStorage) {}

  async load(activity: Pick<Activity, 'channelId' | 'conversation' | 'from'>): Promise<TurnState> {
    const keys = stateKeys(activity);
    const stored = await this.storage.readStored([keys.conversation, keys.user]);
    return new TurnState(this.storage, keys, stored.get(keys.conversation), stored.get(keys.user));
  }
}

export class TurnState {
  /** No state was stored for the conversation: this is its first message to the bot. */
  readonly isNew: boolean;
  readonly conversation: ConversationData;
  readonly user: UserData;

  constructor(
    private readonly storage: SqlStorage,
    private readonly keys: { conversation: string; user: string },
    private readonly storedConversation: StoredDoc | undefined,
    private readonly storedUser: StoredDoc | undefined,
  ) {
    this.isNew = storedConversation === undefined;
    this.conversation = (storedConversation && (JSON.parse(storedConversation.doc) as { parley?: ConversationData }).parley) ?? newConversationData();
    this.user = (storedUser && (JSON.parse(storedUser.doc) as { resident?: UserData }).resident) ?? {};
  }

  /** Writes what changed since it was read; an eTag conflict (another turn wrote first) rejects. */
  async save(): Promise<void> {
    await Promise.all([
      this.saveOne(this.keys.conversation, JSON.stringify({ parley: this.conversation }), this.storedConversation),
      this.saveOne(this.keys.user, JSON.stringify({ resident: this.user }), this.storedUser),
    ]);
  }

  private async saveOne(key: string, doc: string, stored: StoredDoc | undefined): Promise<void> {
    if (doc === stored?.doc) return;
    await this.storage.writeStored(key, doc, stored?.eTag);
  }
}

/** botbuilder's storage keys for conversation and user state (ConversationState, UserState). */
export function stateKeys(activity: Pick<Activity, 'channelId' | 'conversation' | 'from'>): { conversation: string; user: string } {
  const { channelId } = activity;
  const conversationId = activity.conversation?.id;
  const userId = activity.from?.id;
  if (!channelId || !conversationId || !userId) throw new Error('State needs an activity with channelId, conversation.id and from.id');
  return { conversation: `${channelId}/conversations/${conversationId}/`, user: `${channelId}/users/${userId}/` };
}
