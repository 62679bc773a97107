import { startHttpServer } from '../localServer';

/**
 * A stand-in for the resident's channel: the Bot Connector endpoint a conversation's serviceUrl
 * points at, on localhost, recording what the bot sends there (proactive messages: an agent's
 * replies, pick-up and closing notices). Set `failing` to make it refuse, like a channel that is down.
 */
export interface StandInChannel {
  serviceUrl: string;
  received: { path: string; body: { type?: string; text?: string } }[];
  texts(): string[];
  failing: boolean;
  close(): Promise<void>;
}

export async function startStandInChannel(): Promise<StandInChannel> {
  const channel: Omit<StandInChannel, 'serviceUrl' | 'close'> = {
    received: [],
    texts: () => channel.received.map((r) => r.body.text ?? ''),
    failing: false,
  };
  const server = await startHttpServer(({ path, body }) => {
    if (channel.failing) return { status: 400 };
    channel.received.push({ path, body: JSON.parse(body || '{}') });
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `sent-${channel.received.length}` }) };
  });
  return Object.assign(channel, { serviceUrl: `${server.origin}/`, close: server.close });
}
