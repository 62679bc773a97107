import { MessageFactory } from 'botbuilder';
import type { LeaveMessageReason } from '../handoff/capacity';
import type { RequestOutcome } from '../handoff/desk';
import type { BinDayResult } from '../knowledge/bins/lookup';
import { findPostcode, normalizePostcode } from '../knowledge/bins/postcode';
import { decide, HUMAN_ENTRY_ID, type Thresholds } from '../knowledge/decide';
import type { KnowledgeBase, LoadedEntry } from '../knowledge/loader';
import type { Candidate } from '../knowledge/matcher';
import type { Matching } from '../knowledge/matchThread';
import type { GapKind, UnansweredQuestion } from '../knowledge/gaps/store';
import { clean } from '../knowledge/normalize';
import type { Department } from '../knowledge/schema';
import { parseContact, type Contact } from '../handoff/contact';
import type { ConversationEvent } from '../handoff/reporting/events';
import { answerText, collectionsText, contactLine, formatWhen, text } from './replies';
import type { Choice, ConversationData, Offer, UserData } from './state';

export interface Knowledge {
  kb: KnowledgeBase;
  /** A `Matcher`, or one matching on a thread of its own (knowledge/matchThread.ts). */
  matcher: Matching;
  /** The content hash (knowledge/version.ts), recorded on each answer so a complaint can be traced to the text. */
  version?: string;
}

export interface ConversationDeps {
  /**
   * The knowledge base in force for this turn (a function so a reload can swap it). `welcome` calls
   * it within one synchronous call; `message` and `whileYouWait` await the matcher and the database
   * (bin days), so they pin what this returned when the turn began: a turn never mixes two versions.
   */
  knowledge: () => Knowledge;
  /** The council's time zone, for "reply by" times. */
  timeZone: string;
  thresholds: Thresholds;
  missesBeforeOffer: number;
  bins: { lookup(postcode: string): Promise<BinDayResult> };
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

const CANCEL = new Set(['cancel', 'stop', 'no thanks', 'never mind', 'nevermind', 'forget it']);
/** Wrong contact details tolerated before the bot stops asking and gives the phone number instead. */
const MAX_CONTACT_ATTEMPTS = 3;

export interface LeaveMessage {
  offer: Offer;
  because: LeaveMessageReason;
  question: string;
  contact: Contact;
  summary: string;
}

/**
 * What the conversation asks of handoff/ for this conversation (the activity handler binds it to
 * the desk). The summary is a short line for the agents' queue.
 */
export interface HandoffPort {
  requestPerson(offer: Offer, summary: string): Promise<RequestOutcome>;
  /** Omitted when there is nobody to take messages (the bot on its own in tests). */
  leaveMessage?: {
    /** When a message left now for the department can expect a reply, if that can be known. */
    replyBy(department: string): Date | undefined;
    leave(message: LeaveMessage): Promise<{ reference: string; replyBy?: Date }>;
  };
}
const NO_DESK: HandoffPort = { requestPerson: async () => ({ kind: 'unavailable', reason: 'nobody-on-duty' }) };

/**
 * What came of a step of the conversation: answered, did you mean, not understood, feedback, a
 * person offered, accepted, declined or unavailable. Reporting keeps the event (ids and reasons
 * only, handoff/reporting/); when the step left a question unanswered (not understood, "None of
 * these", "No" to "Did this help?") `gap` carries the question for the knowledge-gaps store,
 * which redacts it. One stream, so the gaps and the figures always agree on what happened.
 */
export type Outcome = ConversationEvent & { gap?: UnansweredQuestion };
export type OutcomeRecorder = (outcome: Outcome) => void;
const NO_RECORD: OutcomeRecorder = () => undefined;

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

  message(input: string, data: ConversationData, user: UserData, handoff: HandoffPort = NO_DESK, record: OutcomeRecorder = NO_RECORD): Promise<Reply[]> {
    const knowledge = this.deps.knowledge();
    return new Conversation({ ...this.deps, knowledge: () => knowledge }).turn(input, data, user, handoff, record);
  }

  /** `message` on knowledge pinned for the turn. */
  private async turn(input: string, data: ConversationData, user: UserData, handoff: HandoffPort, record: OutcomeRecorder): Promise<Reply[]> {
    const message = input.trim();
    if (!message) return [MessageFactory.text(text.notText)];
    const pending = data.pending;
    data.pending = undefined;
    const said = clean(message);

    switch (pending?.kind) {
      case 'clarify': {
        const picked = pickChoice(said, pending.options);
        if (picked) return this.answer(picked, message, data, user, record, 'choice');
        if (said === clean(text.noneOfThese)) {
          record({ type: 'none-of-these', ...(pending.question && { gap: await this.unanswered('none-of-these', pending.question) }) });
          return this.miss(data, record);
        }
        break;
      }
      case 'feedback': {
        const entry = this.entry(pending.entryId);
        const department = entry?.department ?? GENERAL_DEPARTMENT;
        if (YES.has(said)) {
          record({ type: 'feedback', entry: pending.entryId, department, helped: true });
          return [MessageFactory.text(text.glad)];
        }
        if (NO.has(said)) {
          record({
            type: 'feedback',
            entry: pending.entryId,
            department,
            helped: false,
            gap: await this.unanswered('not-helpful', pending.question ?? entry?.title ?? pending.entryId, pending.entryId),
          });
          return [
            MessageFactory.text(text.sorryNotHelpful),
            ...this.offer(data, { reason: 'feedback', department, priority: 'normal', entryId: pending.entryId }, record),
          ];
        }
        const picked = pickChoice(said, pending.related);
        if (picked) return this.answer(picked, message, data, user, record, 'choice');
        break;
      }
      case 'offer': {
        if (YES.has(said)) return this.acceptOffer(pending.offer, data, handoff, record);
        if (NO.has(said)) {
          record({ type: 'handoff-declined', ...offered(pending.offer) });
          return [MessageFactory.text(text.declined)];
        }
        break;
      }
      case 'message-offer': {
        if (YES.has(said) || said === clean(text.leaveMessage)) {
          data.pending = { kind: 'message-question', offer: pending.offer, because: pending.because };
          return [MessageFactory.text(text.askMessage(this.department(pending.offer.department).name))];
        }
        if (NO.has(said) || CANCEL.has(said)) return [MessageFactory.text(text.noMessage(contactLine(this.department(pending.offer.department))))];
        break;
      }
      case 'message-question': {
        if (CANCEL.has(said)) return [MessageFactory.text(text.messageCancelled)];
        data.pending = { kind: 'message-contact', offer: pending.offer, because: pending.because, question: message, attempts: 0 };
        return [MessageFactory.text(text.askContact)];
      }
      case 'message-contact': {
        if (CANCEL.has(said)) return [MessageFactory.text(text.messageCancelled)];
        const contact = parseContact(message);
        if (contact && handoff.leaveMessage) return this.leaveMessage({ ...pending, contact }, handoff.leaveMessage.leave);
        const attempts = pending.attempts + 1;
        if (attempts >= MAX_CONTACT_ATTEMPTS) return [MessageFactory.text(text.giveUpContact(contactLine(this.department(pending.offer.department))))];
        data.pending = { ...pending, attempts };
        return [MessageFactory.text(text.badContact)];
      }
      case 'postcode': {
        const postcode = findPostcode(message);
        if (postcode) return this.binDays(postcode, data, user, record);
        // A resident may change the subject instead of giving a postcode.
        const decision = await this.decide(message);
        if (decision.kind === 'answer' && this.entry(decision.entryId)?.lookup !== 'bin-day') {
          return this.answer({ id: decision.entryId, title: '' }, message, data, user, record, 'question');
        }
        const attempts = pending.attempts + 1;
        if (attempts < MAX_POSTCODE_ATTEMPTS) {
          data.pending = { kind: 'postcode', attempts };
          return [MessageFactory.text(text.badPostcode)];
        }
        return [MessageFactory.text(text.badPostcode), ...this.offer(data, { reason: 'lookup', department: 'waste', priority: 'normal', entryId: 'bins-collection-day' }, record)];
      }
    }
    return this.ask(message, data, user, record);
  }

  /**
   * For a resident waiting for a person: an answer only if the knowledge base is sure of one
   * (no did-you-mean, no small talk, no offer of the person they are already waiting for).
   */
  whileYouWait(input: string): Promise<Reply[]> {
    const knowledge = this.deps.knowledge();
    return new Conversation({ ...this.deps, knowledge: () => knowledge }).helpWhileWaiting(input);
  }

  /** `whileYouWait` on knowledge pinned for the turn. */
  private async helpWhileWaiting(input: string): Promise<Reply[]> {
    const decision = await this.decide(input.trim());
    if (decision.kind !== 'answer' || SMALL_TALK.has(decision.entryId)) return [];
    const entry = this.entry(decision.entryId);
    if (!entry || entry.lookup) return [];
    return [this.traced(MessageFactory.text(`${text.whileYouWait}\n\n${answerText(entry)}`), entry.id)];
  }

  /** A new question: exact button titles first, then a bare postcode, then the matcher. */
  private async ask(message: string, data: ConversationData, user: UserData, record: OutcomeRecorder): Promise<Reply[]> {
    const { kb } = this.deps.knowledge();
    const said = clean(message);
    const byTitle = titled(kb).get(said);
    if (byTitle) return this.answer(byTitle, message, data, user, record, 'question');
    const postcode = normalizePostcode(message);
    if (postcode) {
      // A bare postcode is a question about bin days.
      const bins = this.entry('bins-collection-day');
      if (bins) record({ type: 'answered', entry: bins.id, department: bins.department, via: 'question' });
      return this.binDays(postcode, data, user, record);
    }

    const candidates = await this.deps.knowledge().matcher.match(message);
    const decision = decide(candidates, this.deps.thresholds);
    switch (decision.kind) {
      case 'answer':
        return this.answer({ id: decision.entryId, title: '' }, message, data, user, record, 'question');
      case 'handoff':
        return this.answer({ id: HUMAN_ENTRY_ID, title: '' }, message, data, user, record, 'question');
      case 'clarify': {
        const options = decision.options.flatMap((o) => {
          const entry = kb.byId.get(o.id);
          return entry ? [{ id: entry.id, title: entry.title }] : [];
        });
        data.pending = { kind: 'clarify', options, question: message };
        record({ type: 'did-you-mean', entries: options.map((o) => o.id) });
        return [MessageFactory.suggestedActions([...options.map((o) => o.title), text.noneOfThese], text.didYouMean)];
      }
      case 'none':
        // The message was just matched: its first candidate is the closest entry (no second match).
        record({ type: 'not-understood', gap: await this.unanswered('not-understood', message, undefined, candidates[0]) });
        return this.miss(data, record);
    }
  }

  private async decide(message: string) {
    const { matcher } = this.deps.knowledge();
    return decide(await matcher.match(message), this.deps.thresholds);
  }

  private async answer(choice: Choice, message: string, data: ConversationData, user: UserData, record: OutcomeRecorder, via: 'question' | 'choice'): Promise<Reply[]> {
    const entry = this.entry(choice.id);
    if (!entry) return this.miss(data, record);
    data.misses = 0;
    record({ type: 'answered', entry: entry.id, department: entry.department, via });

    if (entry.lookup === 'bin-day') {
      const postcode = findPostcode(message) ?? user.postcode;
      if (postcode) return this.binDays(postcode, data, user, record);
      data.pending = { kind: 'postcode', attempts: 0 };
      return [MessageFactory.text(text.askPostcode)];
    }

    if (entry.id === HUMAN_ENTRY_ID) {
      // The entry's answer is itself the offer, so the buttons go on it.
      return this.offer(data, { reason: 'asked', department: GENERAL_DEPARTMENT, priority: 'normal' }, record, answerText(entry)).map((r) => this.traced(r, entry.id));
    }
    const reply = this.traced(MessageFactory.text(answerText(entry)), entry.id);
    if (entry.escalate === 'urgent') {
      return [reply, ...this.offer(data, { reason: 'urgent', department: entry.department, priority: 'high', entryId: entry.id }, record)];
    }
    if (entry.escalate === 'offer') {
      return [reply, ...this.offer(data, { reason: 'topic', department: entry.department, priority: 'normal', entryId: entry.id }, record)];
    }
    if (SMALL_TALK.has(entry.id)) return [reply];
    return [reply, this.askFeedback(entry, data, message)];
  }

  /** `question`: what the resident asked, kept to record it if the answer does not help. */
  private askFeedback(entry: LoadedEntry, data: ConversationData, question?: string): Reply {
    const related = entry.related.flatMap((id) => {
      const r = this.entry(id);
      return r ? [{ id: r.id, title: r.title }] : [];
    });
    data.pending = { kind: 'feedback', entryId: entry.id, related, ...(question !== undefined && { question }) };
    return MessageFactory.suggestedActions([text.yes, text.no, ...related.map((r) => r.title)], text.feedbackQuestion);
  }

  private async binDays(postcode: string, data: ConversationData, user: UserData, record: OutcomeRecorder): Promise<Reply[]> {
    data.misses = 0;
    const result = await this.deps.bins.lookup(postcode);
    if (result.kind === 'found') {
      user.postcode = result.postcode;
      data.postcodeLookedUp = true;
      const entry = this.entry('bins-collection-day');
      const replies = [this.traced(MessageFactory.text(collectionsText(result.postcode, result.collections, result.today)), 'bins-collection-day')];
      return entry ? [...replies, this.askFeedback(entry, data)] : replies;
    }
    if (result.kind === 'unknown-postcode') {
      return [
        MessageFactory.text(text.unknownPostcode(result.postcode)),
        ...this.offer(data, { reason: 'lookup', department: 'waste', priority: 'normal', entryId: 'bins-collection-day' }, record),
      ];
    }
    data.pending = { kind: 'postcode', attempts: 1 };
    return [MessageFactory.text(text.badPostcode)];
  }

  private miss(data: ConversationData, record: OutcomeRecorder): Reply[] {
    data.misses += 1;
    if (data.misses >= this.deps.missesBeforeOffer) {
      data.misses = 0;
      return [MessageFactory.text(text.stillStuck), ...this.offer(data, { reason: 'misses', department: GENERAL_DEPARTMENT, priority: 'normal' }, record)];
    }
    return [MessageFactory.text(text.dontKnow(contactLine(this.department(GENERAL_DEPARTMENT))))];
  }

  /** Offers a person, with the standard question unless the caller has its own words. */
  private offer(data: ConversationData, offer: Offer, record: OutcomeRecorder, question?: string): Reply[] {
    data.pending = { kind: 'offer', offer };
    record({ type: 'handoff-offered', ...offered(offer) });
    const name = this.department(offer.department).name;
    const ask = question ?? (offer.priority === 'high' ? text.urgentOffer(name) : text.offer(name));
    return [MessageFactory.suggestedActions([text.connectMe, text.noThanks], ask)];
  }

  private async acceptOffer(offer: Offer, data: ConversationData, handoff: HandoffPort, record: OutcomeRecorder): Promise<Reply[]> {
    data.handoffRequest = { ...offer, requestedAt: this.deps.now().toISOString() };
    const department = this.department(offer.department);
    record({ type: 'handoff-accepted', ...offered({ ...offer, department: department.id }) });
    const outcome = await handoff.requestPerson({ ...offer, department: department.id }, this.summary(offer));
    switch (outcome.kind) {
      case 'queued':
        return [MessageFactory.text(text.queued(department.name, outcome.position, outcome.waitMinutes))];
      case 'already-waiting':
        return [MessageFactory.text(text.stillWaiting(outcome.position ?? 1))];
      case 'unavailable': {
        record({ type: 'handoff-unavailable', reason: outcome.reason, department: department.id });
        const why = text.unavailable[outcome.reason](department);
        if (!handoff.leaveMessage) return [MessageFactory.text(`${why} Please ${contactLine(department)}.`)];
        // Nobody can chat: the department can still answer later, so offer to take a message.
        data.pending = { kind: 'message-offer', offer: { ...offer, department: department.id }, because: outcome.reason };
        const replyBy = handoff.leaveMessage.replyBy(department.id);
        return [MessageFactory.suggestedActions([text.leaveMessage, text.noThanks], `${why} ${text.offerMessage(department.name, replyBy && this.when(replyBy))}`)];
      }
    }
  }

  private async leaveMessage(
    step: { offer: Offer; because: LeaveMessageReason; question: string; contact: Contact },
    leave: NonNullable<HandoffPort['leaveMessage']>['leave'],
  ): Promise<Reply[]> {
    const department = this.department(step.offer.department);
    const left = await leave({ offer: step.offer, because: step.because, question: step.question, contact: step.contact, summary: this.summary(step.offer) });
    return [MessageFactory.text(text.messageLeft(department.name, left.reference, left.replyBy && this.when(left.replyBy), step.contact))];
  }

  private summary(offer: Offer): string {
    return (offer.entryId && this.entry(offer.entryId)?.title) || `Asked for a person (${offer.reason})`;
  }

  /** "Monday 30 November at 12:30pm" in the council's time zone. */
  private when(at: Date): string {
    return formatWhen(at, this.deps.timeZone, this.deps.now());
  }

  /**
   * Marks a reply that gives an entry's answer with the entry and the knowledge-base version. It
   * travels on the activity, so the transcript store keeps it: that is where looking into a
   * complaint starts ("what exactly was this resident told, and from which text?").
   */
  private traced(reply: Reply, entryId: string): Reply {
    const { version } = this.deps.knowledge();
    reply.channelData = { ...reply.channelData, parleyAnswer: { entryId, ...(version && { kbVersion: version }) } };
    return reply;
  }

  /** A question for the knowledge-gaps report, with the entry the matcher ranked first for it. */
  private async unanswered(kind: GapKind, question: string, entryId?: string, closest?: Candidate): Promise<UnansweredQuestion> {
    const best = closest ?? (await this.deps.knowledge().matcher.match(question, 1))[0];
    return { kind, question, ...(entryId !== undefined && { entryId }), ...(best && { closest: { id: best.id, score: best.score } }) };
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

/**
 * Entries by their cleaned title (the first entry of a title wins), built once per knowledge
 * base: cleaning every title on every turn was a fortieth of a turn's CPU.
 */
const titles = new WeakMap<KnowledgeBase, Map<string, LoadedEntry>>();
function titled(kb: KnowledgeBase): Map<string, LoadedEntry> {
  let byTitle = titles.get(kb);
  if (!byTitle) {
    byTitle = new Map();
    for (const entry of kb.entries) {
      const title = clean(entry.title);
      if (!byTitle.has(title)) byTitle.set(title, entry);
    }
    titles.set(kb, byTitle);
  }
  return byTitle;
}

/** An offer of a person as reporting records it. */
const offered = (offer: Offer) => ({ reason: offer.reason, department: offer.department, ...(offer.entryId !== undefined && { entry: offer.entryId }) });

function pickChoice(said: string, options: Choice[]): Choice | undefined {
  const n = Number(said);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return options[n - 1];
  return options.find((o) => clean(o.title) === said);
}
