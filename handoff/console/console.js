// The duty officers' console: plain JavaScript over the JSON API in handoff/consoleApi.ts and
// handoff/messagesApi.ts, kept live by the server-sent event stream (GET /api/console/events).
// Residents' words only ever reach the page through textContent, so markup in a message stays text.
'use strict';

const MUTED_KEY = 'parley.console.muted';
// While the event stream is down, the page still catches up this often.
const SLOW_POLL_MS = 30_000;
// How often waiting times are redrawn and long waits checked for a second alert.
const TICK_MS = 10_000;

const api = { csrf: null };
const state = {
  agent: null,
  me: null,
  openId: null,
  openStatus: null,
  departments: new Map(),
  stream: null,
  poll: null,
  tick: null,
  queue: { waiting: [], active: [], fetchedAt: 0 },
  // Per waiting chat: how many re-alert intervals it had passed when last alerted.
  realerted: new Map(),
  audio: null,
};
const $ = (id) => document.getElementById(id);

function say(message) {
  $('status').textContent = message;
}

/** Read out politely by screen readers; the same words go into sounds' and notifications' place. */
function announce(message) {
  $('announcer').textContent = message;
}

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && api.csrf) headers['x-csrf-token'] = api.csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/console/login') signedOut('Your session has ended. Please sign in again.');
  // Tabs share the session cookie: signing in again in another tab leaves this one's token stale.
  if (res.status === 403 && data && data.error === 'csrf') signedOut('You signed in again in another tab or window, so this one has been signed out. Please sign in again here, or use the other tab.');
  if (!res.ok) throw new Error((data && data.message) || `The server answered ${res.status}.`);
  return data;
}

const departmentName = (id) => state.departments.get(id) || id;

function minutes(seconds) {
  return seconds < 60 ? 'under a minute' : `${Math.floor(seconds / 60)} min`;
}

/** Re-rendering a list must not throw the keyboard user's focus back to the top of the page. */
function keepingFocus(render) {
  const key = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
  render();
  if (!key) return;
  const again = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
  if (again) again.focus();
}

// ---- Alerts: sound, desktop notification, tab title, spoken announcement --------------------

function muted() {
  return localStorage.getItem(MUTED_KEY) === 'yes';
}

// A toggle button keeps its name; aria-pressed (and its dark style) says whether it is on.
function showMuted() {
  $('mute').setAttribute('aria-pressed', String(muted()));
}

/** Two short tones from the Web Audio API: no sound file to load, and it plays in a background tab. */
function beep() {
  if (muted() || !state.audio) return;
  try {
    const ctx = state.audio;
    if (ctx.state === 'suspended') ctx.resume();
    for (const [start, pitch] of [[0, 880], [0.18, 660]]) {
      const tone = ctx.createOscillator();
      const volume = ctx.createGain();
      tone.frequency.value = pitch;
      volume.gain.setValueAtTime(0.0001, ctx.currentTime + start);
      volume.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + start + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + start + 0.15);
      tone.connect(volume).connect(ctx.destination);
      tone.start(ctx.currentTime + start);
      tone.stop(ctx.currentTime + start + 0.16);
    }
  } catch (err) {
    console.warn('Parley console: could not play the alert sound', err);
  }
}

function showNotificationState() {
  const supported = 'Notification' in window;
  $('notify').hidden = !supported || Notification.permission !== 'default';
  $('notify-state').textContent = !supported
    ? 'This browser cannot show desktop notifications.'
    : Notification.permission === 'granted'
      ? 'Desktop notifications are on.'
      : Notification.permission === 'denied'
        ? 'Desktop notifications are blocked. You can allow them in your browser’s site settings.'
        : '';
}

/** Desktop notifications carry no resident's words: only which department, and what happened. */
function notify(text, escalationId) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  const n = new Notification('Parley console', { body: text, tag: `parley-${escalationId}` });
  n.addEventListener('click', () => {
    window.focus();
    openChat(escalationId).catch((err) => say(err.message));
    n.close();
  });
}

function alertAgent(text, escalationId) {
  announce(text);
  beep();
  notify(text, escalationId);
}

/** An agent is alerted about new chats only while available, and only for departments they take. */
function alertsFor(department) {
  return state.me && state.me.status === 'available' && state.me.departments.includes(department);
}

/** A chat still waiting after `realertMinutes` alerts again, once per interval. */
function checkLongWaits() {
  if (!state.me) return;
  const every = state.me.realertMinutes * 60_000;
  const elapsed = Date.now() - state.queue.fetchedAt;
  for (const e of state.queue.waiting) {
    const intervals = Math.floor((e.waitSeconds * 1000 + elapsed) / every);
    const before = state.realerted.get(e.id);
    state.realerted.set(e.id, intervals);
    if (before === undefined || intervals <= before || !alertsFor(e.department)) continue;
    alertAgent(`A chat for ${departmentName(e.department)} is still waiting (${minutes((e.waitSeconds * 1000 + elapsed) / 1000)}).`, e.id);
  }
}

// ---- The queue ------------------------------------------------------------------------------

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
}

function openButton(row, escalation) {
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = 'Open';
  button.dataset.key = `open-${escalation.id}`;
  button.setAttribute('aria-label', `Open conversation ${escalation.id} (${escalation.department})`);
  button.addEventListener('click', () => openChat(escalation.id).catch((err) => say(err.message)));
  td.appendChild(button);
  row.appendChild(td);
}

function renderQueue() {
  const { waiting, active, fetchedAt } = state.queue;
  const elapsed = (Date.now() - fetchedAt) / 1000;
  keepingFocus(() => {
    $('waiting').replaceChildren(
      ...waiting.map((e) => {
        const row = document.createElement('tr');
        cell(row, departmentName(e.department));
        cell(row, e.priority, e.priority === 'high' ? 'priority-high' : '');
        cell(row, e.reason);
        cell(row, minutes(e.waitSeconds + elapsed));
        cell(row, e.summary || e.entryId || '');
        openButton(row, e);
        return row;
      }),
    );
    $('active').replaceChildren(
      ...active.map((e) => {
        const row = document.createElement('tr');
        cell(row, departmentName(e.department));
        cell(row, e.reason);
        cell(row, e.summary || e.entryId || '');
        openButton(row, e);
        return row;
      }),
    );
  });
  $('waiting-count').textContent = `(${waiting.length})`;
  // The waiting count in the tab title reaches an officer working in another tab.
  document.title = waiting.length ? `(${waiting.length}) Parley console` : 'Parley console';
}

async function refreshQueue() {
  const { waiting, active, me } = await call('GET', '/api/console/queue');
  state.queue = { waiting, active, fetchedAt: Date.now() };
  showMe(me);
  for (const id of [...state.realerted.keys()]) if (!waiting.some((e) => e.id === id)) state.realerted.delete(id);
  renderQueue();
  // Chats seen for the first time start counting re-alert intervals from now.
  checkLongWaits();
}

// ---- Availability and departments -----------------------------------------------------------

function showMe(me) {
  state.me = me;
  $(me.status).checked = true;
  const box = $('my-departments');
  const shown = [...box.querySelectorAll('input')].map((i) => i.value).join();
  if (shown !== me.serves.map((d) => d.id).join()) {
    box.replaceChildren(
      ...me.serves.map((d) => {
        const wrap = document.createElement('div');
        wrap.className = 'choice';
        const input = document.createElement('input');
        input.type = 'checkbox';
        input.id = `take-${d.id}`;
        input.value = d.id;
        input.addEventListener('change', action(saveDepartments));
        const label = document.createElement('label');
        label.htmlFor = input.id;
        label.textContent = d.name;
        wrap.append(input, label);
        return wrap;
      }),
    );
  }
  for (const input of box.querySelectorAll('input')) input.checked = me.departments.includes(input.value);
}

async function saveStatus(status) {
  const { me } = await call('POST', '/api/console/status', { status });
  showMe(me);
  say(status === 'available' ? 'You are available: new chats will alert you.' : 'You are away: new chats will not alert you. Chats you hold go back to the queue if you stay away.');
}

async function saveDepartments() {
  const chosen = [...$('my-departments').querySelectorAll('input:checked')].map((i) => i.value);
  if (!chosen.length) {
    showMe(state.me);
    throw new Error('Choose at least one department, or set yourself as away.');
  }
  const { me } = await call('POST', '/api/console/status', { status: state.me.status, departments: chosen });
  showMe(me);
  say(`You are taking chats for ${me.departments.map(departmentName).join(', ')}.`);
}

// ---- The open conversation ------------------------------------------------------------------

function messageItem(who, text, className) {
  const li = document.createElement('li');
  li.className = className;
  const name = document.createElement('span');
  name.className = 'who';
  name.textContent = who;
  li.appendChild(name);
  li.appendChild(document.createTextNode(text));
  return li;
}

async function refreshChat() {
  if (state.openId === null) return;
  const { escalation, transcript, messages } = await call('GET', `/api/console/escalations/${state.openId}`);
  state.openStatus = escalation.status;
  $('chat-title').textContent = `Conversation ${escalation.id}`;
  $('chat-facts').textContent =
    `${departmentName(escalation.department)}, ${escalation.priority} priority, reason: ${escalation.reason}, ${escalation.status}, waited ${minutes(escalation.waitSeconds)}` +
    (escalation.rating ? `, rated ${escalation.rating} out of 5` : '');
  $('transcript').replaceChildren(
    ...transcript
      .filter((a) => a.type === 'message' && a.text)
      .map((a) => {
        const role = a.from && a.from.role === 'user' ? 'user' : 'bot';
        return messageItem(role === 'user' ? 'Resident:' : 'Bot:', a.text, role);
      }),
  );
  $('live').replaceChildren(...messages.map((m) => messageItem(m.author === 'agent' ? 'You:' : 'Resident:', m.text, m.author)));
  const mine = escalation.status === 'active' && escalation.agentId === String(state.agent.id);
  $('pick-up').hidden = escalation.status !== 'waiting';
  $('answering').hidden = !mine;
  $('close').hidden = escalation.status === 'closed';
  $('handback').hidden = !mine;
  $('transfer').hidden = escalation.status === 'closed';
  const choose = document.createElement('option');
  choose.value = '';
  choose.textContent = 'Choose a department';
  $('transfer-to').replaceChildren(
    choose,
    ...[...state.departments]
      .filter(([id]) => id !== escalation.department)
      .map(([id, name]) => {
        const option = document.createElement('option');
        option.value = id;
        option.textContent = name;
        return option;
      }),
  );
}

async function openChat(id) {
  state.openId = id;
  $('chat').hidden = false;
  $('answers').replaceChildren();
  await refreshChat();
  $('chat-title').setAttribute('tabindex', '-1');
  $('chat-title').focus();
}

function closeChat() {
  state.openId = null;
  $('chat').hidden = true;
}

// ---- Canned replies -------------------------------------------------------------------------

function insertAnswer(text) {
  const box = $('reply-text');
  box.value = box.value.trim() ? `${box.value.trimEnd()}\n\n${text}` : text;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  say('Answer put in your reply. Check and edit it before you send.');
}

async function searchAnswers() {
  const q = $('answers-q').value.trim();
  const { answers } = await call('GET', `/api/console/answers?q=${encodeURIComponent(q)}`);
  $('answers').replaceChildren(
    ...answers.map((a) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = `Insert “${a.title}”`;
      button.addEventListener('click', () => insertAnswer(a.answer));
      const preview = document.createElement('p');
      preview.className = 'hint';
      preview.textContent = a.answer;
      li.append(button, preview);
      return li;
    }),
  );
  say(answers.length ? `${answers.length} answers found.` : 'No answers found. Try other words.');
}

// ---- Left messages --------------------------------------------------------------------------

const when = (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

const DELIVERY_STATE = { delivered: 'sent', pending: 'waiting to be sent', failing: 'not sent yet: retrying' };

function delivery(d) {
  const channel = d.channel === 'email' ? 'Email to the department' : 'Case system (webhook)';
  if (d.state === 'delivered') return `${channel}: sent ${when(d.deliveredAt)}`;
  const tries = d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`;
  return `${channel}: ${DELIVERY_STATE[d.state] || d.state} (${tries}${d.lastError ? `, last error: ${d.lastError}` : ''})`;
}

function fact(list, term, value) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  list.append(dt, dd);
}

function leftMessageItem(m, draft) {
  const li = document.createElement('li');
  li.className = 'left-message';
  li.id = `message-${m.id}`;
  const title = document.createElement('h3');
  title.textContent = `Message ${m.id} for ${m.departmentName}`;
  const facts = document.createElement('dl');
  fact(facts, 'Question', m.question);
  fact(facts, m.contact.kind === 'email' ? 'Reply by email to' : 'Reply by phone to', m.contact.value);
  fact(facts, 'Left', when(m.leftAt));
  fact(facts, 'Reply by', m.replyBy ? when(m.replyBy) : 'No time given');
  fact(facts, 'Sent to', m.deliveries.length ? m.deliveries.map(delivery).join('; ') : 'Not sent anywhere else');

  const form = document.createElement('form');
  const label = document.createElement('label');
  label.htmlFor = `left-reply-${m.id}`;
  label.textContent = 'The reply you sent';
  const box = document.createElement('textarea');
  box.id = `left-reply-${m.id}`;
  box.dataset.key = box.id;
  box.rows = 3;
  box.required = true;
  box.value = draft || '';
  const button = document.createElement('button');
  button.type = 'submit';
  button.textContent = 'Record reply and close';
  button.setAttribute('aria-label', `Record reply and close (message ${m.id})`);
  form.append(label, box, button);
  form.addEventListener(
    'submit',
    action(async () => {
      await call('POST', `/api/console/messages/${m.id}/answer`, { reply: box.value });
      say(`Message ${m.id}: reply recorded and closed.`);
      await refreshLeftMessages();
    }),
  );
  li.append(title, facts, form);
  return li;
}

async function refreshLeftMessages() {
  let messages;
  try {
    ({ messages } = await call('GET', '/api/console/messages?status=open'));
  } catch (err) {
    $('left-problem').textContent = `Left messages could not be loaded: ${err.message}`;
    $('left-problem').hidden = false;
    return;
  }
  $('left-problem').hidden = true;
  const list = $('left-messages');
  // Keep what an agent is typing when the list is redrawn under them.
  const drafts = new Map([...list.querySelectorAll('textarea')].map((t) => [t.id, t.value]));
  keepingFocus(() => list.replaceChildren(...messages.map((m) => leftMessageItem(m, drafts.get(`left-reply-${m.id}`)))));
  $('left-count').textContent = `(${messages.length})`;
}

// ---- Knowledge gaps (supervisors) -------------------------------------------------------------

const times = (n) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);
const KINDS = [
  ['not-understood', (n) => `${n} not understood`],
  ['none-of-these', (n) => `${n} chose “None of these”`],
  ['not-helpful', (n) => `${n} said the answer did not help`],
];
const day = (date) => new Date(`${date}T12:00:00`).toLocaleDateString('en-GB', { dateStyle: 'long' });

function questionList(questions) {
  const ul = document.createElement('ul');
  ul.append(
    ...questions.map((q) => {
      const li = document.createElement('li');
      li.textContent = q.asked > 1 ? `${q.text} (${times(q.asked)})` : q.text;
      return li;
    }),
  );
  return ul;
}

/** One group of similar questions. Residents' words go in through textContent only. */
function gapCluster(c) {
  const li = document.createElement('li');
  li.className = 'gap-cluster';
  const title = document.createElement('h3');
  title.textContent = `${c.rank}. “${c.examples[0]}”`;
  const facts = document.createElement('dl');
  fact(facts, 'Asked', `by ${c.residents === 1 ? '1 resident' : `${c.residents} residents`}, ${times(c.asked)}, last on ${when(c.lastAsked)}`);
  fact(facts, 'What happened', KINDS.filter(([kind]) => c.kinds[kind] > 0).map(([kind, words]) => words(c.kinds[kind])).join(', '));
  fact(facts, 'Closest entry', c.closest ? `${c.closest.title} (${c.closest.id}), score ${c.closest.score.toFixed(2)} out of 1` : 'None: no entry shares any words with these questions');
  if (c.answeredWith.length) fact(facts, 'Answers that did not help', c.answeredWith.map((a) => `${a.title} (${a.id}), ${times(a.count)}`).join('; '));
  fact(facts, 'Group id', c.id);
  const examples = document.createElement('h4');
  examples.textContent = c.questions.length > 1 ? 'Most typical questions' : 'Question';
  li.append(title, facts, examples, questionList(c.questions.slice(0, c.examples.length)));
  if (c.questions.length > c.examples.length) {
    const more = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = `All ${c.questions.length} questions in this group`;
    more.append(summary, questionList(c.questions));
    li.append(more);
  }
  return li;
}

async function refreshGaps() {
  const since = $('gaps-since').value;
  let report;
  try {
    report = await call('GET', `/api/console/gaps${since ? `?since=${encodeURIComponent(since)}` : ''}`);
  } catch (err) {
    $('gaps-problem').textContent = `Knowledge gaps could not be loaded: ${err.message}`;
    $('gaps-problem').hidden = false;
    return;
  }
  $('gaps-problem').hidden = true;
  const { totals } = report;
  const from = report.since ? ` since ${day(report.since)}` : '';
  $('gaps-summary').textContent = totals.asked
    ? `${totals.asked === 1 ? '1 question' : `${totals.asked} questions`}${from}, in ${totals.clusters === 1 ? '1 group' : `${totals.clusters} groups`}.` +
      (totals.notGrouped ? ` ${totals.notGrouped} could not be grouped: no words were left once personal details were taken out, or there were too many different questions (choose a later date).` : '')
    : `No questions recorded${from}.`;
  $('gap-clusters').replaceChildren(...report.clusters.map(gapCluster));
}

// ---- The live stream, with a slow poll while it is down ---------------------------------------

async function refreshAll() {
  await refreshQueue();
  await refreshChat();
  await refreshLeftMessages();
}

function startSlowPoll() {
  if (state.poll) return;
  const catchUp = () => refreshAll().catch((err) => say(err.message));
  state.poll = setInterval(catchUp, SLOW_POLL_MS);
  catchUp();
}

function stopSlowPoll() {
  clearInterval(state.poll);
  state.poll = null;
}

function showLive(live) {
  $('live-state').textContent = live ? 'Live updates are on.' : 'Live updates are interrupted. The page checks for changes every 30 seconds and reconnects by itself.';
}

/** What each event means for this page; events carry ids and departments only. */
const HANDLERS = {
  hello: () => refreshAll(),
  queued: async (e) => {
    await refreshQueue();
    if (alertsFor(e.department)) alertAgent(`New chat waiting for ${departmentName(e.department)}${e.priority === 'high' ? ' (urgent)' : ''}.`, e.escalationId);
  },
  transferred: async (e) => {
    await refreshQueue();
    if (state.openId === e.escalationId) await refreshChat().catch(() => closeChat());
    if (e.from !== e.department && alertsFor(e.department)) alertAgent(`A chat was transferred to ${departmentName(e.department)}.`, e.escalationId);
  },
  requeued: async (e) => {
    await refreshQueue();
    if (state.openId === e.escalationId) await refreshChat();
    if (alertsFor(e.department)) alertAgent(`A chat for ${departmentName(e.department)} is back in the queue: its officer had to leave.`, e.escalationId);
  },
  'picked-up': async (e) => {
    await refreshQueue();
    if (state.openId === e.escalationId) await refreshChat();
  },
  closed: async (e) => {
    await refreshQueue();
    if (state.openId === e.escalationId) await refreshChat();
  },
  'resident-message': async (e) => {
    if (state.agent && e.agentId === String(state.agent.id)) alertAgent(`New message from the resident in conversation ${e.escalationId}.`, e.escalationId);
    if (state.openId === e.escalationId) await refreshChat();
  },
  'agent-message': async (e) => {
    if (state.openId === e.escalationId) await refreshChat();
  },
  'message-left': async (e) => {
    await refreshLeftMessages();
    announce(`A message was left for ${departmentName(e.department)}.`);
  },
  'message-answered': () => refreshLeftMessages(),
  'signed-out': () => signedOut('Your session has ended. Please sign in again.'),
};

function connect() {
  const stream = new EventSource('/api/console/events');
  state.stream = stream;
  for (const [type, handle] of Object.entries(HANDLERS)) {
    stream.addEventListener(type, (message) => {
      Promise.resolve(handle(JSON.parse(message.data))).catch((err) => say(err.message));
    });
  }
  stream.addEventListener('open', () => {
    showLive(true);
    stopSlowPoll();
  });
  stream.addEventListener('error', () => {
    if (state.stream !== stream) return;
    showLive(false);
    startSlowPoll();
    // CLOSED means the server refused (an ended session answers 401): the browser will not
    // retry by itself. Check the session (a 401 signs the page out), then try again later.
    if (stream.readyState === EventSource.CLOSED) {
      stream.close();
      state.stream = null;
      refreshQueue()
        .then(() => setTimeout(() => state.agent && !state.stream && connect(), SLOW_POLL_MS))
        .catch((err) => say(err.message));
    }
  });
}

// ---- Signing in and out ---------------------------------------------------------------------

// Links in Teams cards and emails name a chat (#escalation-12) or a left message (#message-7).
async function followLink() {
  const chat = /^#escalation-(\d+)$/.exec(location.hash);
  if (chat) return openChat(Number(chat[1]));
  const message = /^#message-(\d+)$/.exec(location.hash);
  if (!message) return;
  await refreshLeftMessages();
  const item = document.getElementById(`message-${message[1]}`);
  if (!item) return say(`Message ${message[1]} is not open for your departments.`);
  item.setAttribute('tabindex', '-1');
  item.focus();
}

async function signedIn(agent, csrfToken) {
  api.csrf = csrfToken;
  state.agent = agent;
  $('agent-name').textContent = `${agent.name} (${agent.departments.join(', ')})`;
  $('who').hidden = false;
  $('sign-in-section').hidden = true;
  $('desk').hidden = false;
  const { departments } = await call('GET', '/api/console/departments');
  state.departments = new Map(departments.map((d) => [d.id, d.name]));
  $('agent-name').textContent = `${agent.name} (${agent.departments.map(departmentName).join(', ')})`;
  showLive(false);
  connect();
  // Content gaps are for supervisors: the section stays hidden for agents (the API refuses them).
  $('gaps').hidden = agent.role !== 'supervisor';
  if (agent.role === 'supervisor') await refreshGaps();
  await followLink();
  state.tick = setInterval(() => {
    renderQueue();
    checkLongWaits();
  }, TICK_MS);
}

function signedOut(message) {
  if (state.stream) state.stream.close();
  state.stream = null;
  stopSlowPoll();
  clearInterval(state.tick);
  api.csrf = null;
  state.agent = null;
  state.me = null;
  state.realerted.clear();
  closeChat();
  $('gaps').hidden = true;
  $('gap-clusters').replaceChildren();
  $('who').hidden = true;
  $('desk').hidden = true;
  $('sign-in-section').hidden = false;
  document.title = 'Parley console';
  say(message);
}

function action(handler) {
  return async (event) => {
    if (event && event.type === 'submit') event.preventDefault();
    try {
      await handler(event);
    } catch (err) {
      say(err.message);
    }
  };
}

document.addEventListener('DOMContentLoaded', () => {
  showMuted();
  showNotificationState();
  $('sign-in').addEventListener(
    'submit',
    action(async () => {
      // Made during the click on Sign in: browsers only let a page start sound after a gesture.
      if (!state.audio && window.AudioContext) state.audio = new AudioContext();
      const { agent, csrfToken } = await call('POST', '/api/console/login', { name: $('name').value, password: $('password').value });
      $('password').value = '';
      say(`Signed in as ${agent.name}.`);
      await signedIn(agent, csrfToken);
    }),
  );
  $('sign-out').addEventListener(
    'click',
    action(async () => {
      await call('POST', '/api/console/logout');
      signedOut('Signed out. Any chats you had went back to the queue.');
    }),
  );
  for (const radio of document.querySelectorAll('input[name="availability"]')) {
    radio.addEventListener('change', action(() => saveStatus(radio.value)));
  }
  $('mute').addEventListener('click', () => {
    localStorage.setItem(MUTED_KEY, muted() ? 'no' : 'yes');
    showMuted();
  });
  $('notify').addEventListener(
    'click',
    action(async () => {
      await Notification.requestPermission();
      showNotificationState();
    }),
  );
  $('pick-up').addEventListener(
    'click',
    action(async () => {
      await call('POST', `/api/console/escalations/${state.openId}/pickup`);
      say('Picked up. The resident can now be answered.');
      await refreshQueue();
      await refreshChat();
      $('reply-text').focus();
    }),
  );
  $('reply').addEventListener(
    'submit',
    action(async () => {
      await call('POST', `/api/console/escalations/${state.openId}/messages`, { text: $('reply-text').value });
      $('reply-text').value = '';
      await refreshChat();
    }),
  );
  $('answers-search').addEventListener('submit', action(searchAnswers));
  $('gaps-form').addEventListener('submit', action(refreshGaps));
  $('transfer').addEventListener(
    'submit',
    action(async () => {
      const department = $('transfer-to').value;
      await call('POST', `/api/console/escalations/${state.openId}/transfer`, { department });
      // A chat for a department the agent does not serve is no longer theirs to see.
      if (!state.me.serves.some((d) => d.id === department)) closeChat();
      else await refreshChat();
      await refreshQueue();
      say(`Transferred to ${departmentName(department)}.`);
    }),
  );
  $('handback').addEventListener(
    'click',
    action(async () => {
      await call('POST', `/api/console/escalations/${state.openId}/handback`);
      say('Handed back to the bot.');
      await refreshQueue();
      await refreshChat();
    }),
  );
  $('close').addEventListener(
    'click',
    action(async () => {
      await call('POST', `/api/console/escalations/${state.openId}/close`);
      say('Closed.');
      await refreshQueue();
      await refreshChat();
    }),
  );
});
