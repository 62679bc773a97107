import { CardFactory, type Activity, type CardAction } from 'botbuilder';
import { formatWhen } from '../replies';

/**
 * Adaptive Cards for Microsoft Teams: the resident's choices where Teams hides suggested actions,
 * and the card that tells duty officers in a Teams channel about a new escalation.
 * Pure functions: they build JSON, they send nothing.
 */

export const ADAPTIVE_CARD_VERSION = '1.5';
const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Teams renders at most this many buttons in one action set (its host config's maxActions). */
export const TEAMS_MAX_ACTIONS = 6;

type Element = Record<string, unknown>;
export interface CardAction15 {
  type: 'Action.Submit' | 'Action.OpenUrl';
  title: string;
  data?: { msteams: { type: 'imBack'; value: string } };
  url?: string;
}
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: Element[];
  actions?: CardAction15[];
  fallbackText?: string;
}

/** Just what `forTeams` reads from the incoming activity. */
export interface TeamsTurn {
  channelId?: string;
  conversation?: { conversationType?: string };
}

/**
 * Teams shows suggested actions only in personal (one-to-one) chats. In a team channel or a group
 * chat the buttons would silently vanish and the resident would not know what to type, so there
 * each reply's suggested actions become an Adaptive Card whose buttons send the same words back
 * (an imBack through `msteams`), exactly as a suggested action would.
 */
export function forTeams<T extends Partial<Activity>>(replies: readonly T[], turn: TeamsTurn): T[] {
  if (!hidesSuggestedActions(turn)) return [...replies];
  return replies.map((reply) => {
    const actions = reply.suggestedActions?.actions ?? [];
    if (!actions.length) return reply;
    const { suggestedActions: _dropped, ...rest } = reply;
    const card = choicesCard(actions.map(toCardAction), reply.text);
    return { ...rest, attachments: [...(reply.attachments ?? []), CardFactory.adaptiveCard(card)] } as T;
  });
}

export function hidesSuggestedActions(turn: TeamsTurn): boolean {
  const type = turn.conversation?.conversationType;
  return turn.channelId === 'msteams' && (type === 'channel' || type === 'groupChat');
}

function toCardAction(action: CardAction): CardAction15 {
  if (action.type === 'openUrl' && typeof action.value === 'string') return { type: 'Action.OpenUrl', title: action.title, url: action.value };
  // imBack and postBack both mean "send these words as the resident's message".
  const value = typeof action.value === 'string' && action.value !== '' ? action.value : action.title;
  return { type: 'Action.Submit', title: action.title, data: { msteams: { type: 'imBack', value } } };
}

/**
 * The buttons go in the body, in action sets of at most TEAMS_MAX_ACTIONS, so that a long list
 * keeps its order and none is dropped. The message's own text stays on the activity (shown above
 * the card, read in notifications); the card repeats it only as fallback for clients without cards.
 */
function choicesCard(actions: CardAction15[], text: string | undefined): AdaptiveCard {
  const body: Element[] = [];
  for (let i = 0; i < actions.length; i += TEAMS_MAX_ACTIONS) {
    body.push({ type: 'ActionSet', actions: actions.slice(i, i + TEAMS_MAX_ACTIONS) });
  }
  const titles = actions.map((a) => a.title).join(', ');
  return { type: 'AdaptiveCard', $schema: SCHEMA, version: ADAPTIVE_CARD_VERSION, body, fallbackText: text ? `${text} ${titles}` : titles };
}

/** Every button of a card, in order, wherever it sits: for tests and for the transcript. */
export function cardActions(card: AdaptiveCard): CardAction15[] {
  const inBody = card.body.flatMap((e) => (e.type === 'ActionSet' ? (e.actions as CardAction15[]) : []));
  return [...inBody, ...(card.actions ?? [])];
}

/** Why the bot handed off, in words a duty officer reads at a glance. */
const REASONS: Record<string, string> = {
  asked: 'The resident asked for a person',
  misses: 'The assistant could not answer',
  feedback: 'The answer did not help',
  urgent: 'Urgent topic',
  topic: 'A topic that needs a person',
  lookup: 'The bin day lookup could not help',
};

export interface EscalationFacts {
  id: number;
  departmentName: string;
  priority: 'normal' | 'high';
  reason: string;
  /** Already redacted by the queue; never a resident's own words. */
  summary?: string;
  queuedAt: Date;
}

export interface CardSettings {
  /** config.publicUrl: where officers reach the console. */
  publicUrl: string;
  timeZone: string;
  now: Date;
}

/** The console opens the escalation named in its address fragment. */
export function consoleLink(publicUrl: string, escalationId: number): string {
  return `${publicUrl.replace(/\/+$/, '')}/console#escalation-${escalationId}`;
}

/**
 * "New chat waiting": what a duty officer needs to decide to pick it up, and one button to do so.
 * High priority is said in words at the top, in the attention colour, not by colour alone.
 */
export function escalationCard(e: EscalationFacts, settings: CardSettings): AdaptiveCard {
  const high = e.priority === 'high';
  const waitingSince = formatWhen(e.queuedAt, settings.timeZone, settings.now);
  const body: Element[] = [];
  if (high) body.push({ type: 'TextBlock', text: 'High priority', weight: 'Bolder', color: 'Attention', size: 'Medium', wrap: true });
  body.push(
    { type: 'TextBlock', text: `New chat waiting for ${e.departmentName}`, weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading' },
    {
      type: 'FactSet',
      facts: [
        { title: 'Department', value: e.departmentName },
        { title: 'Priority', value: high ? 'High' : 'Normal' },
        { title: 'Reason', value: REASONS[e.reason] ?? e.reason },
        { title: 'Summary', value: e.summary ?? 'None' },
        { title: 'Waiting since', value: waitingSince },
      ],
    },
  );
  return {
    type: 'AdaptiveCard',
    $schema: SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    body,
    actions: [{ type: 'Action.OpenUrl', title: 'Pick up in the console', url: consoleLink(settings.publicUrl, e.id) }],
    fallbackText: `${high ? 'High priority. ' : ''}New chat waiting for ${e.departmentName}: ${e.summary ?? REASONS[e.reason] ?? e.reason}. ${consoleLink(settings.publicUrl, e.id)}`,
  };
}
