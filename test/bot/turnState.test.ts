import { ConversationState, TestAdapter, TurnContext, UserState, type Activity } from 'botbuilder';
import { migrateStore } from '../../bot/db';
import type { ConversationData, UserData } from '../../bot/state';
import { BOT_STATE_SCHEMA, ETagConflictError, SqlStorage } from '../../bot/stateStorage';
import { stateKeys, TurnStateStore } from '../../bot/turnState';
import { forEachBackend } from '../db/backends';

const ACTIVITY = { type: 'message', channelId: 'webchat', conversation: { id: 'conv-1' }, from: { id: 'resident-1' }, recipient: { id: 'parley' } } as Activity;

forEachBackend('TurnStateStore', (fresh) => {
  async function stores() {
    const backend = await fresh();
    await migrateStore(backend.sql, BOT_STATE_SCHEMA);
    const storage = new SqlStorage(backend.sql);
    return { storage, states: new TurnStateStore(storage) };
  }

  /** botbuilder's own state classes over the same storage, on a turn of the same activity. */
  async function withBotbuilder(storage: SqlStorage, work: (conversation: ConversationState, user: UserState, context: TurnContext) => Promise<void>) {
    const conversation = new ConversationState(storage);
    const user = new UserState(storage);
    const context = new TurnContext(new TestAdapter(), ACTIVITY);
    await work(conversation, user, context);
    await conversation.saveChanges(context);
    await user.saveChanges(context);
  }

  it('a first message finds no state; what it saves is there on the next turn', async () => {
    const { states } = await stores();
    const first = await states.load(ACTIVITY);
    expect(first.isNew).toBe(true);
    expect(first.conversation).toEqual({ misses: 0 });
    expect(first.user).toEqual({});
    first.conversation.misses = 2;
    first.user.postcode = 'BK3 4TN';
    await first.save();

    const next = await states.load(ACTIVITY);
    expect(next.isNew).toBe(false);
    expect(next.conversation).toEqual({ misses: 2 });
    expect(next.user).toEqual({ postcode: 'BK3 4TN' });
  });

  it("reads what botbuilder's ConversationState and UserState wrote, and they read what it writes: same keys, same documents", async () => {
    const { storage, states } = await stores();
    await withBotbuilder(storage, async (conversation, user, context) => {
      await conversation.createProperty<ConversationData>('parley').set(context, { misses: 1, pending: { kind: 'postcode', attempts: 1 } });
      await user.createProperty<UserData>('resident').set(context, { postcode: 'BK1 1AA' });
    });
    const state = await states.load(ACTIVITY);
    expect(state.isNew).toBe(false);
    expect(state.conversation).toEqual({ misses: 1, pending: { kind: 'postcode', attempts: 1 } });
    expect(state.user).toEqual({ postcode: 'BK1 1AA' });

    state.conversation.misses = 0;
    state.user.postcode = 'BK2 2BB';
    await state.save();
    await withBotbuilder(storage, async (conversation, user, context) => {
      expect(await conversation.createProperty<ConversationData>('parley').get(context)).toEqual({ misses: 0, pending: { kind: 'postcode', attempts: 1 } });
      expect(await user.createProperty<UserData>('resident').get(context)).toEqual({ postcode: 'BK2 2BB' });
    });
  });

  it('writes only what changed: an unchanged state keeps its eTag', async () => {
    const { storage, states } = await stores();
    const first = await states.load(ACTIVITY);
    await first.save();
    const keys = stateKeys(ACTIVITY);
    const before = await storage.readStored([keys.conversation, keys.user]);
    expect([...before.values()].map((s) => s.eTag)).toEqual(['1', '1']);

    const unchanged = await states.load(ACTIVITY);
    await unchanged.save();
    const changed = await states.load(ACTIVITY);
    changed.conversation.misses = 1;
    await changed.save();
    const after = await storage.readStored([keys.conversation, keys.user]);
    expect(after.get(keys.conversation)?.eTag).toBe('2');
    expect(after.get(keys.user)?.eTag).toBe('1');
  });

  it('a save after another turn wrote the same conversation is refused, and the other turn\'s state is kept', async () => {
    const { states } = await stores();
    await (await states.load(ACTIVITY)).save();
    const slow = await states.load(ACTIVITY);
    const quick = await states.load(ACTIVITY);
    quick.conversation.misses = 1;
    await quick.save();
    slow.conversation.misses = 5;
    await expect(slow.save()).rejects.toThrow(ETagConflictError);
    expect((await states.load(ACTIVITY)).conversation.misses).toBe(1);
  });
});

describe('stateKeys', () => {
  it("are botbuilder's keys for conversation and user state", () => {
    const context = new TurnContext(new TestAdapter(), ACTIVITY);
    const storage = {} as never;
    expect(stateKeys(ACTIVITY)).toEqual({
      conversation: (new ConversationState(storage) as unknown as { getStorageKey(c: TurnContext): string }).getStorageKey(context),
      user: (new UserState(storage) as unknown as { getStorageKey(c: TurnContext): string }).getStorageKey(context),
    });
  });

  it('refuse an activity without a channel, conversation or sender, saying what is missing', () => {
    expect(() => stateKeys({ ...ACTIVITY, channelId: '' })).toThrow('State needs an activity with channelId, conversation.id and from.id');
  });
});
