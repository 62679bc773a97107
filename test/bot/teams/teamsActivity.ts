import type { Activity, Attachment } from 'botbuilder';
import type { AdaptiveCard } from '../../../bot/teams/cards';
import { cardActions } from '../../../bot/teams/cards';

/**
 * Activities shaped as Microsoft Teams sends them: channelId msteams, the conversation's type,
 * tenant (and team and channel) in channelData, and in channels an @mention of the bot both as
 * an entity and as <at>…</at> in the text.
 */

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const BOT = { id: '28:0c7e1f8a-3b52-4d6e-9a41-5f2b8c9d0e17', name: 'Parley' };
const TEAM = '19:Qm9hcmQgb2YgdGhlIENvdW5jaWw@thread.tacv2';
const CHANNEL = '19:4f1c2b7e9d3a4e8f@thread.tacv2';

export type Scope = 'personal' | 'channel' | 'groupChat';

export interface TeamsOptions {
  scope: Scope;
  serviceUrl?: string;
  /** Another conversation in the same scope (a different chat, or another thread in the channel). */
  thread?: string;
  /** Whether the text carries an @mention of the bot; Teams adds one in channels when the resident types it. */
  mention?: boolean;
  user?: string;
}

let next = 0;

export function teamsConversation({ scope, thread = '1' }: TeamsOptions): Activity['conversation'] {
  if (scope === 'personal') return { id: `a:1personal-${thread}`, conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' };
  if (scope === 'groupChat') return { id: `19:group-${thread}@thread.v2`, conversationType: 'groupChat', tenantId: TENANT, isGroup: true, name: '' };
  // A channel conversation is one thread: the channel id and the id of the post that started it.
  return { id: `${CHANNEL};messageid=17000000000${thread}`, conversationType: 'channel', tenantId: TENANT, isGroup: true, name: '' };
}

function channelData(scope: Scope) {
  const tenant = { id: TENANT };
  if (scope !== 'channel') return { tenant };
  return { teamsTeamId: TEAM, teamsChannelId: CHANNEL, team: { id: TEAM }, channel: { id: CHANNEL }, tenant };
}

export function teamsMessage(text: string, options: TeamsOptions): Partial<Activity> {
  const { scope, serviceUrl = 'https://smba.trafficmanager.net/uk/', user = 'sam' } = options;
  const mention = options.mention ?? scope !== 'personal';
  const at = `<at>${BOT.name}</at>`;
  return {
    type: 'message',
    id: `1700000000${String(++next).padStart(4, '0')}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date(),
    locale: 'en-GB',
    textFormat: 'plain',
    text: mention ? `${at} ${text}` : text,
    from: { id: `29:1${user}-aad`, name: 'Sam Resident', aadObjectId: `00000000-0000-0000-0000-0000000${user}` } as Activity['from'],
    recipient: BOT,
    conversation: teamsConversation(options),
    channelData: channelData(scope),
    entities: [
      ...(mention ? [{ type: 'mention', text: at, mentioned: BOT }] : []),
      { type: 'clientInfo', locale: 'en-GB', country: 'GB', platform: 'Web', timezone: 'Europe/London' },
    ],
  };
}

/** Teams' conversationUpdate when someone joins (a channel member, or the resident installing the app). */
export function teamsMemberAdded(options: TeamsOptions): Partial<Activity> {
  const { scope, serviceUrl = 'https://smba.trafficmanager.net/uk/', user = 'sam' } = options;
  return {
    type: 'conversationUpdate',
    id: `f:${++next}`,
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:1${user}-aad`, name: 'Sam Resident' },
    recipient: BOT,
    conversation: teamsConversation(options),
    membersAdded: [{ id: `29:1${user}-aad`, name: 'Sam Resident' }],
    channelData: { ...channelData(scope), ...(scope === 'channel' && { eventType: 'teamMemberAdded' }) },
  };
}

/** The Adaptive Card attached to a reply, if there is one. */
export function adaptiveCard(reply: Partial<Activity> | undefined): AdaptiveCard | undefined {
  const attachment = reply?.attachments?.find((a: Attachment) => a.contentType === 'application/vnd.microsoft.card.adaptive');
  return attachment?.content as AdaptiveCard | undefined;
}

/** What each button of the reply's card sends back as the resident's message. */
export function imBackValues(reply: Partial<Activity> | undefined): string[] {
  const card = adaptiveCard(reply);
  if (!card) return [];
  return cardActions(card).map((a) => {
    if (a.type !== 'Action.Submit' || a.data?.msteams.type !== 'imBack') throw new Error(`not an imBack button: ${JSON.stringify(a)}`);
    return a.data.msteams.value;
  });
}
