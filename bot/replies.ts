import type { Department, Entry, Weekday } from '../knowledge/schema';
import { weekdays } from '../knowledge/schema';
import { dateIn, formatDate, type Collection } from '../knowledge/bins/schedule';
import type { LeaveMessageReason } from '../handoff/capacity';
import { maskContact, type Contact } from '../handoff/contact';
import { dateFormat } from '../knowledge/dateFormat';

/** Text the bot sends, kept apart from the decisions so wording can change in one place. */

const DAY_NAMES: Record<Weekday, string> = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

/** "08:30" → "8:30am", "17:00" → "5pm" */
function clock(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const suffix = h >= 12 && h < 24 ? 'pm' : 'am';
  const hour = h % 12 === 0 ? 12 : h % 12;
  return `${hour}${m ? `:${String(m).padStart(2, '0')}` : ''}${suffix}`;
}

/** "Monday to Thursday 8:30am to 5pm, Friday 8:30am to 4:30pm": consecutive days with equal hours grouped. */
export function formatHours(hours: Department['hours']): string {
  const groups: { first: Weekday; last: Weekday; times: string }[] = [];
  for (const day of weekdays) {
    const times = hours[day];
    if (!times) continue;
    const prev = groups[groups.length - 1];
    const follows = prev && weekdays.indexOf(prev.last) === weekdays.indexOf(day) - 1;
    if (prev && follows && prev.times === times) prev.last = day;
    else groups.push({ first: day, last: day, times });
  }
  if (!groups.length) return 'closed';
  return groups
    .map(({ first, last, times }) => {
      const [open, close] = times.split('-') as [string, string];
      const days = first === last ? DAY_NAMES[first] : `${DAY_NAMES[first]} to ${DAY_NAMES[last]}`;
      return `${days} ${clock(open)} to ${clock(close)}`;
    })
    .join(', ');
}

/** "today at 4pm", "Monday 30 November at 12:30pm": a time in the council's zone, as residents say it. */
export function formatWhen(at: Date, timeZone: string, now = new Date()): string {
  const time = dateFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  const clockTime = clock(time);
  if (dateIn(timeZone, at) === dateIn(timeZone, now)) return `today at ${clockTime}`;
  const day = dateFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(at).replace(',', '');
  return `${day} at ${clockTime}`;
}

export function contactLine(d: Department): string {
  return `call ${d.name} on ${d.phone} (${formatHours(d.hours)}) or email ${d.email}`;
}

export function answerText(entry: Entry): string {
  if (!entry.links.length) return entry.answer;
  const links = entry.links.map((l) => `- [${l.title}](${l.url})`).join('\n');
  return `${entry.answer}\n\n**More information**\n\n${links}`;
}

export function collectionsText(postcode: string, collections: Collection[], today: string): string {
  const lines = collections.map((c) => {
    const moved = c.movedBecause ? ` (moved from ${formatDate(c.scheduled)}: ${c.movedBecause})` : '';
    // Today's collection may already have been: say it is today rather than let it read as to come.
    const when = c.date === today ? `Today (${formatDate(c.date)})` : formatDate(c.date);
    return `- **${when}**: ${c.bins.join(', ')}${moved}`;
  });
  return `Your next bin collections for **${postcode}**:\n\n${lines.join('\n')}\n\nPlease put your bins out by 6:30am on collection day.`;
}

export const text = {
  feedbackQuestion: 'Did this answer your question?',
  yes: 'Yes',
  no: 'No',
  noneOfThese: 'None of these',
  connectMe: 'Yes, connect me',
  noThanks: 'No thanks',
  didYouMean: 'I’m not sure I understood. Did you mean:',
  glad: 'Good, I’m glad that helped. Is there anything else I can help with?',
  sorryNotHelpful: 'Sorry that didn’t answer your question.',
  declined: 'No problem. Is there anything else I can help with? You can ask me a question at any time.',
  askPostcode: 'I can look up your bin collection days. What is your postcode? (For example BK3 4TN.)',
  badPostcode: 'That doesn’t look like a UK postcode. Please type it like this: BK3 4TN.',
  notText: 'Sorry, I can only read typed messages. Please type your question.',
  error: 'Sorry, something went wrong on our side. Please try again, or contact the council another way.',
  dontKnow: (contact: string) =>
    `Sorry, I don’t know the answer to that. Could you try asking in a different way, in a few words?\n\nYou can also ${contact}.`,
  stillStuck: 'Sorry, I still can’t find an answer to that.',
  unknownPostcode: (postcode: string) =>
    `I couldn’t find **${postcode}** in our bin collection rounds. Please check the postcode. If it is right, your address may be outside the borough or new to our records.`,
  offer: (departmentName: string) => `Would you like me to connect you with someone from ${departmentName}?`,
  urgentOffer: (departmentName: string) => `This may be urgent. Would you like to talk to someone from ${departmentName} now?`,
  queued: (departmentName: string, position: number, waitMinutes: number) =>
    `You’re number ${position} in the queue for ${departmentName}. ` +
    (waitMinutes < 1 ? 'Someone should be with you in a moment.' : `The wait is about ${waitMinutes} minute${waitMinutes === 1 ? '' : 's'}.`) +
    ' Please keep this chat open. You can type cancel to leave the queue.',
  stillWaiting: (position: number) =>
    `You’re number ${position} in the queue. Someone will be with you as soon as they can. You can type cancel to leave the queue.`,
  leftQueue: 'You’ve left the queue. Is there anything else I can help with?',
  whileYouWait: 'While you wait, this may help:',
  thanksForRating: 'Thank you for your rating. It helps us improve. Is there anything else I can help with?',
  /** Why nobody can chat, by the reason handoff/capacity.ts gives. */
  unavailable: {
    closed: (d: Department) =>
      `${d.name} is closed right now, so nobody can chat.` + (d.outOfHours ? ` In an emergency, call ${d.outOfHours}.` : ''),
    'nobody-on-duty': (d: Department) => `Nobody from ${d.name} can join this chat right now.` + (d.outOfHours ? ` In an emergency, call ${d.outOfHours}.` : ''),
    overflow: (d: Department) => `The chat queue for ${d.name} is full right now.`,
  } satisfies Record<LeaveMessageReason, (d: Department) => string>,
  leaveMessage: 'Leave a message',
  offerMessage: (departmentName: string, replyBy?: string) =>
    `You can leave a message and ${departmentName} will reply ${replyBy ? `by ${replyBy}` : 'as soon as they can'}. Would you like to leave a message?`,
  noMessage: (contact: string) => `No problem. You can also ${contact}. Is there anything else I can help with?`,
  askMessage: (departmentName: string) =>
    `What would you like to tell ${departmentName}? Please write it in one message, with any details they need, such as your address. Do not include bank or card details. You can type cancel to stop.`,
  askContact: 'How should they reply to you? Please type your email address or a UK phone number.',
  badContact: 'That doesn’t look like an email address or a UK phone number. Please type one, for example name@example.com or 01632 960 123. You can type cancel to stop.',
  giveUpContact: (contact: string) => `Sorry, I still couldn’t read an email address or phone number, so I haven’t sent your message. Please ${contact}.`,
  messageCancelled: 'OK, I haven’t sent a message. Is there anything else I can help with?',
  messageLeft: (departmentName: string, reference: string, replyBy: string | undefined, contact: Contact) =>
    `Thank you. Your message has gone to ${departmentName}. Your reference is ${reference}. ` +
    `They will reply ${replyBy ? `by ${replyBy}` : 'as soon as they can'}, by ${contact.kind === 'email' ? 'email to' : 'phone on the number'} ${maskContact(contact)}.`,
};
