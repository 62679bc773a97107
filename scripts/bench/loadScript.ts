/**
 * The residents of `npm run bench:load`: what each simulated resident says, in order, on
 * `/api/messages` (expectReplies) and through the Direct Line channel, and the checks on what
 * comes back. Every resident holds a real multi-turn conversation: a greeting, a question from
 * the test questions, feedback, a question the bot answers with "did you mean" and a pick of its
 * first choice, a bin-day lookup with a postcode from the bin rounds, and then either asking for
 * a person (one in four) or a question the knowledge base has no answer for.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { text as replies } from '../../bot/replies';
import type { LoadRequest, Phase } from './loadRun';

const ROOT = path.resolve(__dirname, '..', '..');
const NONE_OF_THESE = 'None of these';

export interface Words {
  /** Questions the knowledge base answers. */
  answered: string[];
  /** Questions the bot answers with "did you mean" (found by asking the server, see `probeDidYouMean`). */
  didYouMean: string[];
  /** Questions with no answer in the knowledge base. */
  unanswered: string[];
  /** Ways residents ask for a person. */
  askForPerson: string[];
  postcodes: string[];
}

const questionLine = z.object({ text: z.string().min(1), expect: z.string() });

/** The shipped test questions and bin postcodes. */
export function loadWords(): Omit<Words, 'didYouMean'> {
  const questions = readFileSync(path.join(ROOT, 'knowledge/tests/questions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => questionLine.parse(JSON.parse(l)));
  const postcodes = readFileSync(path.join(ROOT, 'knowledge/data/bin-postcodes.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!.trim())
    .filter((p) => p !== '');
  return {
    answered: questions.filter((q) => q.expect !== 'none' && q.expect !== 'human').map((q) => q.text),
    unanswered: questions.filter((q) => q.expect === 'none').map((q) => q.text),
    askForPerson: questions.filter((q) => q.expect === 'human').map((q) => q.text),
    postcodes,
  };
}

const replySchema = z.object({
  activities: z.array(
    z.looseObject({
      type: z.string(),
      text: z.string().optional(),
      suggestedActions: z.object({ actions: z.array(z.looseObject({ value: z.unknown().optional() })) }).optional(),
    }),
  ),
});
type Reply = z.infer<typeof replySchema>;

/** A body that is not JSON is a wrong reply, counted by the caller: undefined, not a throw inside the load generator. */
function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function parseReply(body: string): Reply | undefined {
  const parsed = replySchema.safeParse(jsonOf(body));
  return parsed.success ? parsed.data : undefined;
}

/** The first choice of a "did you mean" reply, if the reply is one. */
function firstChoice(activities: Reply['activities']): string | undefined {
  for (const a of activities) {
    const values = (a.suggestedActions?.actions ?? []).map((x) => x.value).filter((v): v is string => typeof v === 'string');
    if (values.includes(NONE_OF_THESE)) return values[0];
  }
  return undefined;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

interface Step {
  say: (resident: number, context: ResidentContext) => string | 'conversationUpdate';
}

interface ResidentContext {
  resident?: number;
  choice?: string;
  token?: string;
  conversationId?: string;
  watermark?: string;
  lastPosted?: string;
}

/** What resident N says at each step; a person is asked for by one resident in four. */
function steps(words: Words): Step[] {
  const asksForPerson = (n: number) => n % 4 === 0;
  return [
    { say: () => 'conversationUpdate' },
    { say: (n) => pick(words.answered, n) },
    { say: () => 'Yes' },
    { say: (n) => pick(words.didYouMean.length > 0 ? words.didYouMean : words.answered, n) },
    // The bot's own first choice; without one (no "did you mean" came), another question.
    { say: (n, c) => c.choice ?? pick(words.answered, n + 1) },
    { say: () => 'when is my bin day' },
    { say: (n) => pick(words.postcodes, n) },
    { say: (n) => (asksForPerson(n) ? pick(words.askForPerson, n) : pick(words.unanswered, n)) },
    { say: (n) => (asksForPerson(n) ? 'Yes, connect me' : 'No') },
  ];
}

export interface ScriptOptions {
  words: Words;
  /** Keeps residents of different phases apart. */
  prefix: string;
  /** Parley's replies are checked for its error message; the echo bot's only for being there. */
  errorText?: string;
}

/**
 * The JSON body of a resident's activity on `/api/messages`, as a channel posts it, with
 * `deliveryMode: 'expectReplies'` so the bot's replies come back in the HTTP answer. The same for
 * Parley and the echo bot, so both phases of a run send the same requests.
 */
export function expectRepliesBody(what: { type: string } & Record<string, unknown>, ids: { id: string; conversation: string; from: string }): string {
  return JSON.stringify({
    ...what,
    id: ids.id,
    deliveryMode: 'expectReplies',
    channelId: 'test',
    serviceUrl: 'http://localhost',
    from: { id: ids.from, role: 'user' },
    recipient: { id: 'parley', role: 'bot' },
    conversation: { id: ids.conversation },
  });
}

/** Residents on `/api/messages` with `deliveryMode: 'expectReplies'`: every request is a turn. */
export function messagesPhase({ words, prefix, errorText = replies.error }: ScriptOptions): Phase<ResidentContext> {
  let residents = 0;
  let bad = 0;
  const script = steps(words);
  const requests: LoadRequest<ResidentContext>[] = script.map((step, index) => ({
    method: 'POST',
    path: '/api/messages',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req, context) => {
      if (index === 0) {
        context.resident = residents++;
        delete context.choice;
      }
      const n = context.resident ?? 0;
      const said = step.say(n, context);
      const id = `${prefix}-${n}`;
      const what = said === 'conversationUpdate' ? { type: 'conversationUpdate', membersAdded: [{ id: `resident-${id}` }, { id: 'parley' }] } : { type: 'message', text: said };
      return { ...req, body: expectRepliesBody(what, { id: `${id}-${index}`, conversation: id, from: `resident-${id}` }) };
    },
    onResponse: (status, body, context) => {
      if (status !== 200) return; // counted by the load generator, by status
      const reply = parseReply(body);
      const isMessage = index !== 0;
      if (!reply || (isMessage && reply.activities.length === 0) || reply.activities.some((a) => a.text === errorText)) bad++;
      if (reply && index === 3) {
        const choice = firstChoice(reply.activities);
        if (choice) context.choice = choice;
        else delete context.choice;
      }
    },
  }));
  return { requests, isTurn: () => true, badReplies: () => bad };
}

const tokenSchema = z.object({ token: z.string(), conversationId: z.string() });
const postedSchema = z.object({ id: z.string() });
const activitiesSchema = z.object({
  watermark: z.string().optional(),
  activities: z.array(z.looseObject({ id: z.string().optional(), replyToId: z.string().optional() })),
});

/**
 * Residents on the Direct Line channel, as Web Chat polls it: a token, start the conversation,
 * then for each message post it (answered once the bot has taken it and replied) and read what
 * came after the watermark, which must hold a reply to it. The posts are the turns.
 */
export function directLinePhase({ words, errorText = replies.error }: ScriptOptions): Phase<ResidentContext> {
  let residents = 0;
  let bad = 0;
  const says = steps(words).slice(1, 7);
  const json = { 'content-type': 'application/json' };
  const auth = (c: ResidentContext) => ({ ...json, authorization: `Bearer ${c.token ?? ''}` });
  const requests: LoadRequest<ResidentContext>[] = [
    {
      method: 'POST',
      path: '/api/directline/token',
      headers: json,
      setupRequest: (req, context) => {
        context.resident = residents++;
        delete context.choice;
        context.watermark = '';
        return { ...req, body: '{}' };
      },
      onResponse: (status, body, context) => {
        const parsed = status === 200 ? tokenSchema.safeParse(jsonOf(body)) : undefined;
        if (parsed?.success) Object.assign(context, parsed.data);
        else if (status === 200) bad++;
      },
    },
    {
      method: 'POST',
      path: '/v3/directline/conversations',
      setupRequest: (req, context) => ({ ...req, headers: auth(context), body: '{}' }),
    },
    ...says.flatMap((step, i): LoadRequest<ResidentContext>[] => [
      {
        method: 'POST',
        setupRequest: (req, context) => ({
          ...req,
          path: `/v3/directline/conversations/${context.conversationId}/activities`,
          headers: auth(context),
          body: JSON.stringify({ type: 'message', from: { id: 'resident' }, text: step.say(context.resident ?? 0, context) }),
        }),
        onResponse: (status, body, context) => {
          const parsed = status === 200 ? postedSchema.safeParse(jsonOf(body)) : undefined;
          if (parsed?.success) context.lastPosted = parsed.data.id;
          else if (status === 200) bad++;
        },
      },
      {
        method: 'GET',
        setupRequest: (req, context) => ({
          ...req,
          path: `/v3/directline/conversations/${context.conversationId}/activities${context.watermark ? `?watermark=${context.watermark}` : ''}`,
          headers: auth(context),
        }),
        onResponse: (status, body, context) => {
          if (status !== 200) return;
          const parsed = activitiesSchema.safeParse(jsonOf(body));
          if (!parsed.success) {
            bad++;
            return;
          }
          const { activities, watermark } = parsed.data;
          if (watermark !== undefined) context.watermark = watermark;
          if (!activities.some((a) => a.replyToId === context.lastPosted) || body.includes(JSON.stringify(errorText))) bad++;
          // The did-you-mean question is the third message: remember the bot's first choice.
          if (i === 2) {
            const choice = firstChoice(activities as Reply['activities']);
            if (choice) context.choice = choice;
            else delete context.choice;
          }
        },
      },
    ]),
  ];
  // Steps 0-1 are the token and the start; then post, read, post, read...
  return { requests, isTurn: (index) => index >= 2 && index % 2 === 0, badReplies: () => bad };
}

/**
 * Asks the server each answerable question once, in a conversation of its own, and keeps those
 * it answers with "did you mean": the knowledge base decides which they are, so they are found,
 * not written down. Doubles as the warm-up before the measured phase.
 */
export async function probeDidYouMean(url: string, answered: readonly string[], prefix = 'probe'): Promise<string[]> {
  const found: string[] = [];
  for (const [n, text] of answered.entries()) {
    // Instances sharing one database each probe in conversations of their own.
    const id = `${prefix}-${n}`;
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: expectRepliesBody({ type: 'message', text }, { id, conversation: id, from: id }),
    });
    const reply = parseReply(await res.text());
    if (reply && firstChoice(reply.activities)) found.push(text);
  }
  return found;
}
