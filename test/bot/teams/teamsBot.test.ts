import type { ConversationData } from '../../../bot/state';
import { SqlStorage } from '../../../bot/stateStorage';
import { BotHarness, buttons, SUGGEST_EVERY_MATCH, texts } from '../harness';
import { adaptiveCard, imBackValues, teamsConversation, teamsMemberAdded, teamsMessage, type Scope } from './teamsActivity';

/** The bot in Teams, on botbuilder's TestAdapter with activities shaped as Teams sends them. */

const WELCOME_CHOICES = ['Find your bin collection day', 'Pay your Council Tax', 'Talk to a person'];
const PAY_ANSWER = /^You can pay your Council Tax online, by Direct Debit or by phone\./;

describe('Parley in Microsoft Teams', () => {
  let bot: BotHarness;
  beforeEach(() => {
    bot = new BotHarness();
  });
  afterEach(() => bot.close());

  describe.each<[Scope]>([['channel'], ['groupChat']])('in a %s, where Teams shows no suggested actions', (scope) => {
    it('answers a question addressed to it with an @mention, and asks "did this help?" on a card', async () => {
      const replies = await bot.say(teamsMessage('how do I pay my council tax', { scope }));
      expect(texts(replies)[0]).toMatch(PAY_ANSWER);
      expect(texts(replies)[1]).toBe('Did this answer your question?');
      expect(replies[1]!.suggestedActions).toBeUndefined();
      expect(adaptiveCard(replies[1])).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      expect(imBackValues(replies[1])).toEqual(['Yes', 'No']);
      // The answer itself has no choices, so no card.
      expect(replies[0]!.attachments ?? []).toEqual([]);
    });

    it('welcomes a new member with the topics on a card', async () => {
      const replies = await bot.say(teamsMemberAdded({ scope }));
      expect(texts(replies)).toEqual(['Hello, I can help with bins, council tax and housing.']);
      expect(imBackValues(replies[0])).toEqual(WELCOME_CHOICES);
      expect(replies[0]!.suggestedActions).toBeUndefined();
    });

    it('takes a click on a card button (its imBack, no mention) exactly as the typed words', async () => {
      await bot.say(teamsMessage('how do I pay my council tax', { scope }));
      expect(texts(await bot.say(teamsMessage('Yes', { scope, mention: false })))).toEqual(['Good, I’m glad that helped. Is there anything else I can help with?']);
      const key = `msteams/conversations/${teamsConversation({ scope }).id}/`;
      const stored = (await new SqlStorage(bot.sql).read([key]))[key] as { parley: ConversationData };
      // Kept under Teams' key, with the question it answered no longer pending.
      expect(stored.parley).toEqual({ misses: 0 });
    });

    it('strips the @mention before reading the reply to a question it asked', async () => {
      await bot.say(teamsMessage('how do I pay my council tax', { scope }));
      // "<at>Parley</at> Yes" must read as "Yes", not as a new question.
      expect(texts(await bot.say(teamsMessage('Yes', { scope, mention: true })))).toEqual(['Good, I’m glad that helped. Is there anything else I can help with?']);
    });

    it('keeps the postcode step working behind the mention', async () => {
      expect(texts(await bot.say(teamsMessage('when is my bin day', { scope })))).toEqual([
        'I can look up your bin collection days. What is your postcode? (For example BK3 4TN.)',
      ]);
      expect(texts(await bot.say(teamsMessage('TE1 1AA', { scope })))[0]).toMatch(/^Your next bin collections for \*\*TE1 1AA\*\*/);
    });
  });

  it('keeps suggested actions in a personal chat, where Teams shows them', async () => {
    const replies = await bot.say(teamsMessage('how do I pay my council tax', { scope: 'personal' }));
    expect(texts(replies)[0]).toMatch(PAY_ANSWER);
    expect(buttons(replies[1])).toEqual(['Yes', 'No']);
    expect(replies[1]!.attachments ?? []).toEqual([]);

    const welcome = await bot.say(teamsMemberAdded({ scope: 'personal', thread: '2' }));
    expect(buttons(welcome[0])).toEqual(WELCOME_CHOICES);
    expect(adaptiveCard(welcome[0])).toBeUndefined();
  });

  it('answers a personal chat that happens to carry a mention, mention stripped', async () => {
    const replies = await bot.say(teamsMessage('how do I pay my council tax', { scope: 'personal', mention: true, thread: '3' }));
    expect(texts(replies)[0]).toMatch(PAY_ANSWER);
  });
});

describe('"did you mean" in a Teams channel', () => {
  let bot: BotHarness;
  beforeEach(() => {
    bot = new BotHarness(undefined, SUGGEST_EVERY_MATCH);
  });
  afterEach(() => bot.close());

  it('offers the choices on a card whose buttons send each title back, and answers the one clicked', async () => {
    const replies = await bot.say(teamsMessage('recycling centre', { scope: 'channel' }));
    expect(texts(replies)).toEqual(['I’m not sure I understood. Did you mean:']);
    const values = imBackValues(replies[0]);
    expect(values[0]).toBe('Household waste recycling centre');
    expect(values[values.length - 1]).toBe('None of these');
    expect(values.length).toBeLessThanOrEqual(4);

    const answer = await bot.say(teamsMessage(values[0]!, { scope: 'channel', mention: false }));
    expect(texts(answer)[0]).toMatch(/^The household waste recycling centre on Mill Lane/);
    // Its follow-ups (did this help, related entries) come on a card too.
    expect(imBackValues(answer[1])).toEqual(['Yes', 'No', 'Find your bin collection day', 'Pay your Council Tax']);
  });

  it('reads "None of these" clicked on the card as a miss', async () => {
    await bot.say(teamsMessage('recycling centre', { scope: 'channel' }));
    expect(texts(await bot.say(teamsMessage('None of these', { scope: 'channel', mention: false })))[0]).toMatch(/^Sorry, I don’t know the answer to that/);
  });

  it('keeps "did you mean" as suggested actions in a personal chat', async () => {
    const replies = await bot.say(teamsMessage('recycling centre', { scope: 'personal' }));
    expect(buttons(replies[0])[0]).toBe('Household waste recycling centre');
    expect(adaptiveCard(replies[0])).toBeUndefined();
  });
});
