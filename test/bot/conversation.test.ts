import { BotHarness, buttons, SUGGEST_EVERY_MATCH, texts } from './harness';

const contactCentre =
  'call Customer Services on 01632 960 000 (Monday to Thursday 8:30am to 5pm, Friday 8:30am to 4:30pm) or email customerservices@testshire.example';

describe('conversation', () => {
  let bot: BotHarness;
  beforeEach(() => {
    bot = new BotHarness();
  });
  afterEach(() => bot.close());

  it('welcomes a resident who joins, with the most asked topics as buttons', async () => {
    const replies = await bot.say({ type: 'conversationUpdate', membersAdded: [{ id: 'resident', name: 'Resident' }] });
    expect(texts(replies)).toEqual(['Hello, I can help with bins, council tax and housing.']);
    expect(buttons(replies[0])).toEqual(['Find your bin collection day', 'Pay your Council Tax', 'Talk to a person']);
  });

  it('does not welcome the bot itself', async () => {
    expect(await bot.say({ type: 'conversationUpdate', membersAdded: [{ id: 'parley', name: 'Parley' }] })).toEqual([]);
  });

  it('answers with the markdown answer and its links, then asks whether it helped', async () => {
    const replies = await bot.say('how do I pay my council tax');
    expect(texts(replies)).toEqual([
      'You can pay your Council Tax online, by Direct Debit or by phone.\n\n**More information**\n\n- [Pay Council Tax](https://www.testshire.example/council-tax/pay)',
      'Did this answer your question?',
    ]);
    expect(buttons(replies[1])).toEqual(['Yes', 'No']);
  });

  it('thanks the resident for a Yes and records the feedback', async () => {
    await bot.say('how do I pay my council tax');
    expect(texts(await bot.say('Yes'))).toEqual(['Good, I’m glad that helped. Is there anything else I can help with?']);
    expect(bot.outcomes).toContainEqual({ type: 'feedback', entry: 'council-tax-pay', department: 'council-tax', helped: true });
  });

  it('offers a person from the entry’s department after a No, and notes the request when accepted', async () => {
    await bot.say('how do I pay my council tax');
    const offer = await bot.say('No');
    expect(texts(offer)).toEqual(['Sorry that didn’t answer your question.', 'Would you like me to connect you with someone from Council Tax?']);
    expect(buttons(offer[1])).toEqual(['Yes, connect me', 'No thanks']);

    const noted = await bot.say('Yes, connect me');
    expect(texts(noted)).toEqual([
      'Nobody from Council Tax can join this chat right now. Please call Council Tax on 01632 960 120 (Monday 9am to 5pm) or email counciltax@testshire.example.',
    ]);
    const data = await bot.conversationData();
    expect(data.handoffRequest).toEqual({
      reason: 'feedback',
      department: 'council-tax',
      priority: 'normal',
      entryId: 'council-tax-pay',
      requestedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(bot.outcomes).toContainEqual(expect.objectContaining({ type: 'feedback', entry: 'council-tax-pay', department: 'council-tax', helped: false }));
  });

  it('offers related entries as follow-ups and answers the one picked', async () => {
    const replies = await bot.say('recycling centre opening times');
    expect(buttons(replies[1])).toEqual(['Yes', 'No', 'Find your bin collection day', 'Pay your Council Tax']);
    expect(texts(await bot.say('Pay your Council Tax'))[0]).toMatch(/^You can pay your Council Tax online/);
  });

  it('says plainly when it does not know, with the other ways to reach the council', async () => {
    expect(texts(await bot.say('what is the capital of peru'))).toEqual([
      `Sorry, I don’t know the answer to that. Could you try asking in a different way, in a few words?\n\nYou can also ${contactCentre}.`,
    ]);
  });

  it('offers a person after two misses in a row', async () => {
    await bot.say('what is the capital of peru');
    const replies = await bot.say('recommend me a good film');
    expect(texts(replies)).toEqual([
      'Sorry, I still can’t find an answer to that.',
      'Would you like me to connect you with someone from Customer Services?',
    ]);
    await bot.say('yes');
    expect((await bot.conversationData()).handoffRequest).toMatchObject({ reason: 'misses', department: 'customer-services' });
  });

  it('resets the miss count after a good answer', async () => {
    await bot.say('what is the capital of peru');
    await bot.say('how do I pay my council tax');
    expect(texts(await bot.say('recommend me a good film'))[0]).toMatch(/^Sorry, I don’t know the answer to that/);
  });

  it('offers a person at once when asked for one, and accepts a No', async () => {
    const replies = await bot.say('can I speak to a human please');
    expect(texts(replies)).toEqual(['I can put you in touch with someone from the council.']);
    expect(buttons(replies[0])).toEqual(['Yes, connect me', 'No thanks']);
    expect(texts(await bot.say('No thanks'))).toEqual([
      'No problem. Is there anything else I can help with? You can ask me a question at any time.',
    ]);
    expect((await bot.conversationData()).handoffRequest).toBeUndefined();
  });

  it('puts what to do right now first on an urgent topic and offers a person at once, with high priority', async () => {
    const replies = await bot.say('I have nowhere to sleep tonight');
    expect(texts(replies)).toEqual([
      'If you are in danger, call 999. If you have nowhere to stay tonight, call 01632 960 999.',
      'This may be urgent. Would you like to talk to someone from Housing Options now?',
    ]);
    const noted = texts(await bot.say('yes'))[0];
    expect(noted).toContain('In an emergency, call 01632 960 999.');
    expect((await bot.conversationData()).handoffRequest).toMatchObject({ reason: 'urgent', priority: 'high', department: 'housing' });
  });

  it('offers a person after answering an entry marked offer', async () => {
    const replies = await bot.say('I am behind on my council tax');
    expect(texts(replies)).toEqual([
      'Contact us as soon as you can so we can agree a payment plan.',
      'Would you like me to connect you with someone from Council Tax?',
    ]);
  });

  it('looks up bin days from a postcode in the message', async () => {
    const replies = await bot.say('when is my bin day TE1 1AA');
    expect(texts(replies)).toEqual([
      'Your next bin collections for **TE1 1AA**:\n\n' +
        '- **Tuesday 1 December**: recycling (blue bin), garden waste (brown bin, if you subscribe), food waste (caddy)\n' +
        '- **Tuesday 8 December**: general waste (black bin), food waste (caddy)\n\n' +
        'Please put your bins out by 6:30am on collection day.',
      'Did this answer your question?',
    ]);
  });

  it('says "today" when today is collection day', async () => {
    await bot.close();
    bot = new BotHarness(undefined, undefined, new Date('2026-12-01T18:00:00Z'));
    expect(texts(await bot.say('bin collection day TE1 1AA'))[0]).toContain('- **Today (Tuesday 1 December)**: recycling (blue bin)');
  });

  it('asks for a postcode when there is none, then answers', async () => {
    expect(texts(await bot.say('when is my bin day'))).toEqual([
      'I can look up your bin collection days. What is your postcode? (For example BK3 4TN.)',
    ]);
    expect(texts(await bot.say('te1 1aa'))[0]).toMatch(/^Your next bin collections for \*\*TE1 1AA\*\*/);
  });

  it('remembers the postcode for the same resident in a later conversation', async () => {
    await bot.say('bin collection day TE1 2BB');
    bot.newConversation('conversation-2');
    expect(texts(await bot.say('when is my bin day'))[0]).toMatch(/^Your next bin collections for \*\*TE1 2BB\*\*/);
    expect((await bot.userData()).postcode).toBe('TE1 2BB');
  });

  it('re-asks once for a postcode that is not valid, then offers a person', async () => {
    await bot.say('when is my bin day');
    expect(texts(await bot.say('the one by the shop'))).toEqual(['That doesn’t look like a UK postcode. Please type it like this: BK3 4TN.']);
    expect(texts(await bot.say('no idea sorry'))).toEqual([
      'That doesn’t look like a UK postcode. Please type it like this: BK3 4TN.',
      'Would you like me to connect you with someone from Waste and Recycling?',
    ]);
  });

  it('explains when a postcode is not in the collection rounds and offers a person', async () => {
    const replies = await bot.say('bin collection day TE9 9ZZ');
    expect(texts(replies)).toEqual([
      'I couldn’t find **TE9 9ZZ** in our bin collection rounds. Please check the postcode. If it is right, your address may be outside the borough or new to our records.',
      'Would you like me to connect you with someone from Waste and Recycling?',
    ]);
  });

  it('lets the resident change the subject instead of giving a postcode', async () => {
    await bot.say('when is my bin day');
    expect(texts(await bot.say('how do I pay my council tax'))[0]).toMatch(/^You can pay your Council Tax online/);
  });

  it('asks for typed text when a message has none', async () => {
    expect(texts(await bot.say({ type: 'message', text: '', attachments: [{ contentType: 'image/png' }] }))).toEqual([
      'Sorry, I can only read typed messages. Please type your question.',
    ]);
  });

  it('keeps a conversation going across a restart (state is in SQLite)', async () => {
    await bot.say('when is my bin day');
    await bot.close();
    bot = new BotHarness(bot.dbFile);
    expect(texts(await bot.say('TE1 1AA'))[0]).toMatch(/^Your next bin collections for \*\*TE1 1AA\*\*/);
  });
});

describe('did you mean', () => {
  let bot: BotHarness;
  beforeEach(() => {
    bot = new BotHarness(undefined, SUGGEST_EVERY_MATCH);
  });
  afterEach(() => bot.close());

  it('offers up to three entries plus "None of these"', async () => {
    const replies = await bot.say('recycling centre');
    expect(texts(replies)).toEqual(['I’m not sure I understood. Did you mean:']);
    const choices = buttons(replies[0]);
    expect(choices[0]).toBe('Household waste recycling centre');
    expect(choices.length).toBeLessThanOrEqual(4);
    expect(choices[choices.length - 1]).toBe('None of these');
  });

  it('answers the entry the resident picks, by title or by number', async () => {
    await bot.say('recycling centre');
    expect(texts(await bot.say('Household waste recycling centre'))[0]).toMatch(/^The household waste recycling centre on Mill Lane/);
    await bot.say('recycling centre');
    expect(texts(await bot.say('1'))[0]).toMatch(/^The household waste recycling centre on Mill Lane/);
  });

  it('treats "None of these" as a miss', async () => {
    await bot.say('recycling centre');
    expect(texts(await bot.say('None of these'))[0]).toMatch(/^Sorry, I don’t know the answer to that/);
  });
});
