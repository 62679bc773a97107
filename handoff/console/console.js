// The duty officers' console: plain JavaScript over the JSON API in handoff/consoleApi.ts.
// Residents' words only ever reach the page through textContent, so markup in a message stays text.
'use strict';

const api = { csrf: null };
const state = { agent: null, openId: null, timer: null };
const $ = (id) => document.getElementById(id);

function say(message) {
  $('status').textContent = message;
}

async function call(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && api.csrf) headers['x-csrf-token'] = api.csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && path !== '/api/console/login') signedOut('Your session has ended. Please sign in again.');
  if (!res.ok) throw new Error((data && data.message) || `The server answered ${res.status}.`);
  return data;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
}

function minutes(seconds) {
  return seconds < 60 ? 'under a minute' : `${Math.floor(seconds / 60)} min`;
}

function openButton(row, escalation) {
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Open';
  button.setAttribute('aria-label', `Open conversation ${escalation.id} (${escalation.department})`);
  button.addEventListener('click', () => openChat(escalation.id));
  td.appendChild(button);
  row.appendChild(td);
}

async function refreshQueue() {
  const { waiting, active } = await call('GET', '/api/console/queue');
  const waitingBody = $('waiting');
  waitingBody.replaceChildren();
  for (const e of waiting) {
    const row = document.createElement('tr');
    cell(row, e.department);
    cell(row, e.priority, e.priority === 'high' ? 'priority-high' : '');
    cell(row, e.reason);
    cell(row, minutes(e.waitSeconds));
    cell(row, e.summary || e.entryId || '');
    openButton(row, e);
    waitingBody.appendChild(row);
  }
  const activeBody = $('active');
  activeBody.replaceChildren();
  for (const e of active) {
    const row = document.createElement('tr');
    cell(row, e.department);
    cell(row, e.reason);
    cell(row, e.summary || e.entryId || '');
    openButton(row, e);
    activeBody.appendChild(row);
  }
  $('waiting-count').textContent = `(${waiting.length})`;
  // The waiting count in the tab title reaches an officer working in another tab.
  document.title = waiting.length ? `(${waiting.length}) Parley console` : 'Parley console';
}

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
  $('chat-title').textContent = `Conversation ${escalation.id}`;
  $('chat-facts').textContent = `${escalation.department}, ${escalation.priority} priority, reason: ${escalation.reason}, ${escalation.status}, waited ${minutes(escalation.waitSeconds)}`;
  const before = $('transcript');
  before.replaceChildren(
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
  $('reply').hidden = !mine;
  $('close').hidden = escalation.status === 'closed';
  $('handback').hidden = !mine;
  $('transfer').hidden = escalation.status === 'closed';
}

async function openChat(id) {
  state.openId = id;
  $('chat').hidden = false;
  await refreshChat();
  $('chat-title').setAttribute('tabindex', '-1');
  $('chat-title').focus();
}

async function tick() {
  try {
    await refreshQueue();
    await refreshChat();
  } catch (err) {
    say(err.message);
  }
}

function signedIn(agent, csrfToken) {
  api.csrf = csrfToken;
  state.agent = agent;
  $('agent-name').textContent = `${agent.name} (${agent.departments.join(', ')})`;
  $('who').hidden = false;
  $('sign-in-section').hidden = true;
  $('desk').hidden = false;
  tick();
  // Polling every few seconds until the live event stream arrives (issue 5).
  state.timer = setInterval(tick, 3000);
}

function signedOut(message) {
  clearInterval(state.timer);
  api.csrf = null;
  state.agent = null;
  state.openId = null;
  $('who').hidden = true;
  $('desk').hidden = true;
  $('chat').hidden = true;
  $('sign-in-section').hidden = false;
  say(message);
}

function action(handler) {
  return async (event) => {
    if (event) event.preventDefault();
    try {
      await handler();
    } catch (err) {
      say(err.message);
    }
  };
}

document.addEventListener('DOMContentLoaded', () => {
  $('sign-in').addEventListener(
    'submit',
    action(async () => {
      const { agent, csrfToken } = await call('POST', '/api/console/login', { name: $('name').value, password: $('password').value });
      $('password').value = '';
      say(`Signed in as ${agent.name}.`);
      signedIn(agent, csrfToken);
    }),
  );
  $('sign-out').addEventListener('click', action(async () => {
    await call('POST', '/api/console/logout');
    signedOut('Signed out.');
  }));
  $('pick-up').addEventListener('click', action(async () => {
    await call('POST', `/api/console/escalations/${state.openId}/pickup`);
    say('Picked up. The resident can now be answered.');
    await tick();
    $('reply-text').focus();
  }));
  $('reply').addEventListener('submit', action(async () => {
    await call('POST', `/api/console/escalations/${state.openId}/messages`, { text: $('reply-text').value });
    $('reply-text').value = '';
    await refreshChat();
  }));
  $('transfer').addEventListener('submit', action(async () => {
    await call('POST', `/api/console/escalations/${state.openId}/transfer`, { department: $('transfer-to').value.trim() });
    say('Transferred.');
    await tick();
  }));
  $('handback').addEventListener('click', action(async () => {
    await call('POST', `/api/console/escalations/${state.openId}/handback`);
    say('Handed back to the bot.');
    await tick();
  }));
  $('close').addEventListener('click', action(async () => {
    await call('POST', `/api/console/escalations/${state.openId}/close`);
    say('Closed.');
    await tick();
  }));
});
