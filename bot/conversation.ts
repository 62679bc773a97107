import { MessageFactory } from 'botbuilder';
import type { RequestOutcome } from '../handoff/desk';
import type { BinDayResult } from '../knowledge/bins/lookup';
import { findPostcode, normalizePostcode } from '../knowledge/bins/postcode';
import { decide, HUMAN_ENTRY_ID, type Thresholds } from '../knowledge/decide';
import type { KnowledgeBase, LoadedEntry } from '../knowledge/loader';
import type { Matcher } from '../knowledge/matcher';
import { clean } from '../knowledge/normalize';
import type { Department } from '../knowledge/schema';
import { answerText, collectionsText, contactLine, text } from './replies';
import type { Choice, ConversationData, Offer, UserData } from './state';

export interface Knowledge {
  kb: KnowledgeBase;
  matcher: Matcher;
}

export interface ConversationDeps {
  /** The knowledge base in force for this turn (a function so a reload can swap it). */
  knowledge: () => Knowledge;
  thresholds: Thresholds;
  missesBeforeOffer: number;
  bins: { lookup(postcode: string): BinDayResult };
  now: () => Date;
}

/** Entries that are small talk: answered, but no "did this help?" afterwards. */
const SMALL_TALK = new Set(['greeting', 'thanks', 'goodbye']);
/** Topics offered as buttons on the welcome, most asked first. */
export const WELCOME_TOPICS = ['bins-collection-day', 'council-tax-pay', 'potholes-report', 'parking-fine-appeal', 'housing-repairs'];
/** Where "I don't know" sends residents: the council's main contact centre. */
export const GENERAL_DEPARTMENT = 'customer-services';
const MAX_POSTCODE_ATTEMPTS = 2;

/** Content the conversation relies on by id; checked at start so a turn never finds it missing. */
export const REQUIRED_ENTRIES = ['greeting', HUMAN_ENTRY_ID, 'bins-collection-day'];
export const REQUIRED_DEPARTMENTS = [GENERAL_DEPARTMENT, 'waste'];

export class MissingContentError extends Error {
  constructor(readonly missing: string[]) {
    super(`The knowledge base lacks content the bot needs: ${missing.join(', ')}`);
    this.name = 'MissingContentError';
  }
}

export function checkRequiredContent(kb: KnowledgeBase): void {
  const missing = [
    ...REQUIRED_ENTRIES.filter((id) => !kb.byId.has(id)).map((id) => `entry "${id}"`),
    ...REQUIRED_DEPARTMENTS.filter((id) => !kb.departments.has(id)).map((id) => `department "${id}" in departments.yaml`),
  ];
  if (missing.length) throw new MissingContentError(missing);
}

const YES = new Set(['yes', 'y', 'yeah', 'yep', 'yes please', 'ok', 'okay', 'sure', 'please', 'it did', 'yes it did', 'yes connect me', 'correct']);
const NO = new Set(['no', 'n', 'nope', 'nah', 'no thanks', 'no thank you', 'not really', 'it didnt', 'no it didnt', 'not at all']);

type Reply = ReturnType<typeof MessageFactory.text>;

/** Asks handoff/ for a person for this conversation; the summary is for the agents' queue. */
export type RequestPerson = (offer: Offer, summary: string) => RequestOutcome;
const NO_DESK: RequestPerson = () => ({ kind: 'unavailable', reason: 'nobody-on-duty' });

/**
 * The conversation steps: given a resident's message and what the bot was waiting for,
 * decide what to say. The activity handler calls `welcome` and `message`; state is loaded
 * and saved around them by the caller.
 */
export class Conversation {
  constructor(private readonly deps: ConversationDeps) {}

  welcome(): Reply[] {
    const { kb } = this.deps.knowledge();
    const greeting = kb.byId.get('greeting');
    const topics = WELCOME_TOPICS.flatMap((id) => kb.byId.get(id)?.title ?? []);
    const human = kb.byId.get(HUMAN_ENTRY_ID)?.title;
    return [
      MessageFactory.suggestedActions(
        human ? [...topics, human] : topics,
        greeting?.answer ?? 'Hello. Ask me a question about council services.',
      ),
    ];
  }

  message(input: string, data: ConversationData, user: UserData, requestPerson: RequestPerson = NO_DESK): Reply[] {
    const message = input.trim();
    if (!message) return [MessageFactory.text(text.notText)];
    const pending = data.pending;
    data.pending = undefined;
    const said = clean(message);

    switch (pending?.kind) {
      case 'clarify': {
        const picked = pickChoice(said, pending.options);
        if (picked) return this.answer(picked, message, data, user);
        if (said === clean(text.noneOfThese)) return this.miss(data);
        break;
      }
      case 'feedback': {
        if (YES.has(said)) {
          data.feedback.push({ entryId: pending.entryId, helped: true });
          return [MessageFactory.text(text.glad)];
        }
        if (NO.has(said)) {
          data.feedback.push({ entryId: pending.entryId, helped: false });
          const entry = this.entry(pending.entryId);
          return [
            MessageFactory.text(text.sorryNotHelpful),
            ...this.offer(data, { reason: 'feedback', department: entry?.department ?? GENERAL_DEPARTMENT, priority: 'normal', entryId: pending.entryId }),
          ];
        }
        const picked = pickChoice(said, pending.related);
        if (picked) return this.answer(picked, message, data, user);
        break;
      }
      case 'offer': {
        if (YES.has(said)) return this.acceptOffer(pending.offer, data, requestPerson);
        if (NO.has(said)) return [MessageFactory.text(text.declined)];
        break;
      }
      case 'postcode': {
        const postcode = findPostcode(message);
        if (postcode) return this.binDays(postcode, data, user);
        // A resident may change the subject instead of giving a postcode.
        const decision = this.decide(message);
        if (decision.kind === 'answer' && this.entry(decision.entryId)?.lookup !== 'bin-day') {
          return this.answer({ id: decision.entryId, title: '' }, message, data, user);
        }
        const attempts = pending.attempts + 1;
        if (attempts < MAX_POSTCODE_ATTEMPTS) {
          data.pending = { kind: 'postcode', attempts };
          return [MessageFactory.text(text.badPostcode)];
        }
        return [MessageFactory.text(text.badPostcode), ...this.offer(data, { reason: 'lookup', department: 'waste', priority: 'normal', entryId: 'bins-collection-day' })];
      }
    }
    return this.ask(message, data, user);
  }

  /**
   * For a resident waiting for a person: an answer only if the knowledge base is sure of one
   * (no did-you-mean, no small talk, no offer of the person they are already waiting for).
   */
  whileYouWait(input: string): Reply[] {
    const decision = this.decide(input.trim());
    if (decision.kind !== 'answer' || SMALL_TALK.has(decision.entryId)) return [];
    const entry = this.entry(decision.entryId);
    if (!entry || entry.lookup) return [];
    return [MessageFactory.text(`${text.whileYouWait}\n\n${answerText(entry)}`)];
  }

  /** A new question: exact button titles first, then a bare postcode, then the matcher. */
  private ask(message: string, data: ConversationData, user: UserData): Reply[] {
    const { kb } = this.deps.knowledge();
    const said = clean(message);
    const byTitle = kb.entries.find((e) => clean(e.title) === said);
    if (byTitle) return this.answer(byTitle, message, data, user);
    const postcode = normalizePostcode(message);
    if (postcode) return this.binDays(postcode, data, user);

    const decision = this.decide(message);
    switch (decision.kind) {
      case 'answer':
        return this.answer({ id: decision.entryId, title: '' }, message, data, user);
      case 'handoff':
        return this.answer({ id: HUMAN_ENTRY_ID, title: '' }, message, data, user);
      case 'clarify': {
        const options = decision.options.flatMap((o) => {
          const entry = kb.byId.get(o.id);
          return entry ? [{ id: entry.id, title: entry.title }] : [];
        });
        data.pending = { kind: 'clarify', options };
        return [MessageFactory.suggestedActions([...options.map((o) => o.title), text.noneOfThese], text.didYouMean)];
      }
      case 'none':
        return this.miss(data);
    }
  }

  private decide(message: string) {
    const { matcher } = this.deps.knowledge();
    return decide(matcher.match(message), this.deps.thresholds);
  }

  private answer(choice: Choice, message: string, data: ConversationData, user: UserData): Reply[] {
    const entry = this.entry(choice.id);
    if (!entry) return this.miss(data);
    data.misses = 0;

    if (entry.lookup === 'bin-day') {
      const postcode = findPostcode(message) ?? user.postcode;
      if (postcode) return this.binDays(postcode, data, user);
      data.pending = { kind: 'postcode', attempts: 0 };
      return [MessageFactory.text(text.askPostcode)];
    }

    if (entry.id === HUMAN_ENTRY_ID) {
      // The entry's answer is itself the offer, so the buttons go on it.
      return this.offer(data, { reason: 'asked', department: GENERAL_DEPARTMENT, priority: 'normal' }, answerText(entry));
    }
    const reply = MessageFactory.text(answerText(entry));
    if (entry.escalate === 'urgent') {
      return [reply, ...this.offer(data, { reason: 'urgent', department: entry.department, priority: 'high', entryId: entry.id })];
    }
    if (entry.escalate === 'offer') {
      return [reply, ...this.offer(data, { reason: 'topic', department: entry.department, priority: 'normal', entryId: entry.id })];
    }
    if (SMALL_TALK.has(entry.id)) return [reply];
    return [reply, this.askFeedback(entry, data)];
  }

  private askFeedback(entry: LoadedEntry, data: ConversationData): Reply {
    const related = entry.related.flatMap((id) => {
      const r = this.entry(id);
      return r ? [{ id: r.id, title: r.title }] : [];
    });
    data.pending = { kind: 'feedback', entryId: entry.id, related };
    return MessageFactory.suggestedActions([text.yes, text.no, ...related.map((r) => r.title)], text.feedbackQuestion);
  }

  private binDays(postcode: string, data: ConversationData, user: UserData): Reply[] {
    data.misses = 0;
    const result = this.deps.bins.lookup(postcode);
    if (result.kind === 'found') {
      user.postcode = result.postcode;
      const entry = this.entry('bins-collection-day');
      const replies = [MessageFactory.text(collectionsText(result.postcode, result.collections, result.today))];
      return entry ? [...replies, this.askFeedback(entry, data)] : replies;
    }
    if (result.kind === 'unknown-postcode') {
      return [
        MessageFactory.text(text.unknownPostcode(result.postcode)),
        ...this.offer(data, { reason: 'lookup', department: 'waste', priority: 'normal', entryId: 'bins-collection-day' }),
      ];
    }
    data.pending = { kind: 'postcode', attempts: 1 };
    return [MessageFactory.text(text.badPostcode)];
  }

  private miss(data: ConversationData): Reply[] {
    data.misses += 1;
    if (data.misses >= this.deps.missesBeforeOffer) {
      data.misses = 0;
      return [MessageFactory.text(text.stillStuck), ...this.offer(data, { reason: 'misses', department: GENERAL_DEPARTMENT, priority: 'normal' })];
    }
    return [MessageFactory.text(text.dontKnow(contactLine(this.department(GENERAL_DEPARTMENT))))];
  }

  /** Offers a person, with the standard question unless the caller has its own words. */
  private offer(data: ConversationData, offer: Offer, question?: string): Reply[] {
    data.pending = { kind: 'offer', offer };
    const name = this.department(offer.department).name;
    const ask = question ?? (offer.priority === 'high' ? text.urgentOffer(name) : text.offer(name));
    return [MessageFactory.suggestedActions([text.connectMe, text.noThanks], ask)];
  }

  private acceptOffer(offer: Offer, data: ConversationData, requestPerson: RequestPerson): Reply[] {
    data.handoffRequest = { ...offer, requestedAt: this.deps.now().toISOString() };
    const department = this.department(offer.department);
    const summary = (offer.entryId && this.entry(offer.entryId)?.title) || `Asked for a person (${offer.reason})`;
    const outcome = requestPerson({ ...offer, department: department.id }, summary);
    switch (outcome.kind) {
      case 'queued':
        return [MessageFactory.text(text.queued(department.name, outcome.position, outcome.waitMinutes))];
      case 'already-waiting':
        return [MessageFactory.text(text.stillWaiting(outcome.position ?? 1))];
      case 'unavailable':
        if (outcome.reason === 'closed') return [MessageFactory.text(text.closedNow(department))];
        if (outcome.reason === 'overflow') return [MessageFactory.text(text.queueFull(department))];
        return [MessageFactory.text(text.handoffNoted(department))];
    }
  }

  private entry(id: string): LoadedEntry | undefined {
    return this.deps.knowledge().kb.byId.get(id);
  }

  /** The department, or the contact centre: every entry's department exists (the loader checks). */
  private department(id: string): Department {
    const { departments } = this.deps.knowledge().kb;
    return departments.get(id) ?? departments.get(GENERAL_DEPARTMENT)!;
  }
}

function pickChoice(said: string, options: Choice[]): Choice | undefined {
  const n = Number(said);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return options[n - 1];
  return options.find((o) => clean(o.title) === said);
}
