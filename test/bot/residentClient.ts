import type { Activity } from 'botbuilder';

/**
 * A resident's side of /api/messages, as a channel posts to it, with `deliveryMode: "expectReplies"`
 * so the bot's replies to a turn come back in the HTTP response.
 */

export interface ResidentMessageOptions {
  conversation: string;
  /** Where the bot sends what it says outside a turn (an agent's replies, notices): a stand-in channel, or an unused address. */
  serviceUrl: string;
  /** The resident's user id: `resident-<conversation>` unless given. */
  from?: string;
  /** The channel's clock, for tests that need it to agree with the server's. */
  timestamp?: Date;
}

let sent = 0;

/** A resident's message activity, with a new id each time and `deliveryMode: "expectReplies"`. */
export function residentMessage(text: string, { conversation, serviceUrl, from = `resident-${conversation}`, timestamp }: ResidentMessageOptions) {
  return {
    type: 'message',
    id: `r${++sent}`,
    ...(timestamp && { timestamp: timestamp.toISOString() }),
    text,
    channelId: 'test',
    serviceUrl,
    from: { id: from, role: 'user' },
    recipient: { id: 'parley', role: 'bot' },
    conversation: { id: conversation },
    deliveryMode: 'expectReplies',
  };
}

/** POSTs `body` to /api/messages as it is (an object as JSON, a string unchanged), for tests of what is refused too. */
export function postToBot(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Posts an activity asking for the replies in the response, expects 200, and returns all the bot sent in that turn. */
export async function repliesTo(url: string, activity: object): Promise<Partial<Activity>[]> {
  const res = await postToBot(url, { ...activity, deliveryMode: 'expectReplies' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { activities: Partial<Activity>[] }).activities;
}

/** The words of the messages in a turn's replies, leaving out events such as handoff.initiate. */
export const messageTexts = (replies: Partial<Activity>[]): string[] => replies.filter((a) => a.type === 'message').map((a) => a.text ?? '');
