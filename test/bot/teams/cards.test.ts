import { MessageFactory, type Activity, type CardAction } from 'botbuilder';
import { cardActions, consoleLink, escalationCard, forTeams, type AdaptiveCard } from '../../../bot/teams/cards';
import { adaptiveCard, imBackValues } from './teamsActivity';

const withChoices = MessageFactory.suggestedActions(['Yes', 'No'], 'Did this answer your question?');

describe('forTeams', () => {
  it.each([
    ['a Teams personal chat', { channelId: 'msteams', conversation: { conversationType: 'personal' } }],
    ['Web Chat', { channelId: 'directline', conversation: {} }],
    ['the Emulator', { channelId: 'emulator' }],
    // conversationType "channel" means something only in Teams.
    ['another channel that says "channel"', { channelId: 'slack', conversation: { conversationType: 'channel' } }],
  ])('leaves replies alone in %s', (_where, turn) => {
    expect(forTeams([withChoices], turn)).toEqual([withChoices]);
  });

  it.each([['channel'], ['groupChat']])('turns suggested actions into an Adaptive Card 1.5 of imBack buttons in a Teams %s', (conversationType) => {
    const [reply] = forTeams([withChoices], { channelId: 'msteams', conversation: { conversationType } });
    expect(reply!.suggestedActions).toBeUndefined();
    expect(reply!.text).toBe('Did this answer your question?');
    expect(reply!.attachments).toHaveLength(1);
    expect(reply!.attachments![0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = adaptiveCard(reply)!;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    expect(cardActions(card)).toEqual([
      { type: 'Action.Submit', title: 'Yes', data: { msteams: { type: 'imBack', value: 'Yes' } } },
      { type: 'Action.Submit', title: 'No', data: { msteams: { type: 'imBack', value: 'No' } } },
    ]);
    expect(card.fallbackText).toBe('Did this answer your question? Yes, No');
  });

  const channel = { channelId: 'msteams', conversation: { conversationType: 'channel' } };

  it('leaves replies without choices, and their order, as they were', () => {
    const answer = MessageFactory.text('You can pay your Council Tax online.');
    const out = forTeams([answer, withChoices], channel);
    expect(out[0]).toBe(answer);
    expect(imBackValues(out[1])).toEqual(['Yes', 'No']);
  });

  it('sends the action’s value where it differs from its title, and keeps links as links', () => {
    const actions: CardAction[] = [
      { type: 'postBack', title: 'Option one', value: '1' },
      { type: 'openUrl', title: 'Pay online', value: 'https://www.brackenford.example/pay' },
    ];
    const card = adaptiveCard(forTeams([{ type: 'message', text: 'Pick one', suggestedActions: { actions, to: [] } }], channel)[0])!;
    expect(cardActions(card)).toEqual([
      { type: 'Action.Submit', title: 'Option one', data: { msteams: { type: 'imBack', value: '1' } } },
      { type: 'Action.OpenUrl', title: 'Pay online', url: 'https://www.brackenford.example/pay' },
    ]);
  });

  it('keeps every choice, in order, in sets of at most six (Teams draws no more in one set)', () => {
    const titles = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const card = adaptiveCard(forTeams([MessageFactory.suggestedActions(titles, 'Choose')], channel)[0])!;
    expect(card.body.map((e) => (e.actions as unknown[]).length)).toEqual([6, 2]);
    expect(cardActions(card).map((a) => a.title)).toEqual(titles);
  });

  it('keeps attachments the reply already had', () => {
    const existing = { contentType: 'image/png', contentUrl: 'https://www.brackenford.example/map.png' };
    const reply: Partial<Activity> = { ...withChoices, attachments: [existing] };
    expect(forTeams([reply], channel)[0]!.attachments![0]).toBe(existing);
  });
});

describe('escalationCard', () => {
  const now = new Date('2026-11-25T10:20:00Z');
  const settings = { publicUrl: 'https://chat.brackenford.example/', timeZone: 'Europe/London', now };
  const facts = (card: AdaptiveCard) =>
    Object.fromEntries((card.body.find((e) => e.type === 'FactSet')!.facts as { title: string; value: string }[]).map((f) => [f.title, f.value]));
  const text = (card: AdaptiveCard) => card.body.filter((e) => e.type === 'TextBlock').map((e) => e.text);

  it('gives the department, priority, reason, summary, waiting time and a link to pick it up in the console', () => {
    const card = escalationCard(
      { id: 42, departmentName: 'Customer Services', priority: 'normal', reason: 'asked', summary: 'Asked for a person (asked)', queuedAt: new Date('2026-11-25T10:05:00Z') },
      settings,
    );
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
    expect(text(card)).toEqual(['New chat waiting for Customer Services']);
    expect(facts(card)).toEqual({
      Department: 'Customer Services',
      Priority: 'Normal',
      Reason: 'The resident asked for a person',
      Summary: 'Asked for a person (asked)',
      'Waiting since': 'today at 10:05am',
    });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Pick up in the console', url: 'https://chat.brackenford.example/console#escalation-42' }]);
  });

  it('marks high priority in words at the top, in the attention colour', () => {
    const card = escalationCard({ id: 7, departmentName: 'Housing Options', priority: 'high', reason: 'urgent', summary: 'Homeless or at risk of homelessness', queuedAt: now }, settings);
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'High priority', color: 'Attention', weight: 'Bolder' });
    expect(facts(card)).toMatchObject({ Priority: 'High', Reason: 'Urgent topic' });
    expect(card.fallbackText).toMatch(/^High priority\. New chat waiting for Housing Options: Homeless or at risk of homelessness\./);
  });

  it('shows a reason it does not know as it is, and says when there is no summary', () => {
    const card = escalationCard({ id: 8, departmentName: 'Waste and Recycling', priority: 'normal', reason: 'something-new', queuedAt: new Date('2026-11-24T16:00:00Z') }, settings);
    expect(facts(card)).toMatchObject({ Reason: 'something-new', Summary: 'None', 'Waiting since': 'Tuesday 24 November at 4pm' });
  });

  it('builds the console link without a double slash', () => {
    expect(consoleLink('https://chat.brackenford.example', 3)).toBe('https://chat.brackenford.example/console#escalation-3');
    expect(consoleLink('https://chat.brackenford.example//', 3)).toBe('https://chat.brackenford.example/console#escalation-3');
  });
});
