/*
 * The "Ask us" chat widget: a launcher button, the chat panel with the official Web Chat inside,
 * and proactive offers. Plain browser JavaScript, no build step; everything it loads comes from
 * this server (Web Chat's bundle included), so the page works with no internet.
 *
 * - The conversation id and token live in sessionStorage: a reload (or the next page of the
 *   site) refreshes the token and resumes the same chat, history included. A new tab or a new
 *   visit starts afresh.
 * - Keyboard: the launcher is a button; opening moves focus to the message box; Escape closes
 *   and puts focus back on the launcher.
 * - Offers never move focus, are announced through a polite live region, and once dismissed
 *   or accepted do not come back for the rest of the visit.
 */
(function () {
  'use strict';

  var session = window.sessionStorage;
  var KEYS = { chat: 'parley.chat', open: 'parley.open', offers: 'parley.offers' };

  var domain = null;
  var started = null;
  var chatStore = null;
  var directLine = null;
  var connected = false;
  var pendingTopics = [];
  var disarmOffer = function () {};

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function read(key) {
    try {
      return JSON.parse(session.getItem(key) || 'null');
    } catch (e) {
      return null;
    }
  }

  function write(key, value) {
    session.setItem(key, JSON.stringify(value));
  }

  // --- The widget's elements ----------------------------------------------------------------

  var root = el('div', { class: 'parley', 'data-parley-offer': 'off' });
  var offer = el('div', { class: 'parley-offer' });
  // Always present and rendered (only empty): a live region added at the moment of speaking
  // is not announced by every screen reader.
  var offerMessage = el('p', { class: 'parley-offer__message', role: 'status', 'aria-live': 'polite' });
  var offerActions = el('div', { class: 'parley-offer__actions', hidden: '' });
  offer.appendChild(offerMessage);
  offer.appendChild(offerActions);

  var launcher = el('button', { type: 'button', class: 'parley-launcher', 'aria-expanded': 'false', 'aria-controls': 'parley-panel' }, ['Ask us']);
  var closeButton = el('button', { type: 'button', class: 'parley-button parley-panel__close' }, ['Close']);
  closeButton.setAttribute('aria-label', 'Close the chat');
  var privacy = el('p', { class: 'parley-privacy' }, [
    'Do not type bank details or passwords. ',
    el('span', { class: 'parley-privacy__retention' }),
    el('a', { href: '/privacy' }, ['How we use your information']),
  ]);
  var host = el('div', { class: 'parley-webchat' });
  var panel = el('section', { class: 'parley-panel', id: 'parley-panel', role: 'dialog', 'aria-labelledby': 'parley-title', hidden: '' }, [
    el('div', { class: 'parley-panel__header' }, [el('h2', { class: 'parley-panel__title', id: 'parley-title' }, ['Ask Brackenford Borough Council']), closeButton]),
    privacy,
    host,
  ]);
  root.appendChild(offer);
  root.appendChild(launcher);
  root.appendChild(panel);
  document.body.appendChild(root);

  // --- Opening and closing ------------------------------------------------------------------

  function open(moveFocus) {
    endOffers();
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    session.setItem(KEYS.open, '1');
    return start().then(function (ok) {
      if (ok && moveFocus) focusMessageBox();
      return ok;
    });
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    session.setItem(KEYS.open, '0');
    launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (panel.hidden) open(true);
    else close();
  });
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      close();
    }
  });

  /** Web Chat draws its message box a moment after rendering: wait for it, then focus it. */
  function focusMessageBox() {
    var selector = '[data-id="webchat-sendbox-input"]';
    var found = host.querySelector(selector);
    if (found) return found.focus();
    var watcher = new MutationObserver(function () {
      var input = host.querySelector(selector);
      if (input) {
        watcher.disconnect();
        input.focus();
      }
    });
    watcher.observe(host, { childList: true, subtree: true });
  }

  // --- The conversation ---------------------------------------------------------------------

  function post(url, token) {
    return fetch(url, { method: 'POST', headers: token ? { Authorization: 'Bearer ' + token } : {} }).then(function (res) {
      if (!res.ok) throw new Error(url + ' answered HTTP ' + res.status);
      return res.json();
    });
  }

  /** A token for this visit's conversation: the saved one refreshed, else a new conversation. */
  function grant() {
    var saved = read(KEYS.chat);
    var fresh = function () {
      return post('/api/directline/token');
    };
    return (saved ? post(domain + '/tokens/refresh', saved.token).catch(fresh) : fresh()).then(function (g) {
      write(KEYS.chat, { conversationId: g.conversationId, token: g.token });
      return g;
    });
  }

  function loadWebChat() {
    if (window.WebChat) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var tag = el('script', { src: '/web/webchat.js' });
      tag.onload = resolve;
      tag.onerror = function () {
        reject(new Error('Web Chat did not load'));
      };
      document.head.appendChild(tag);
    });
  }

  function start() {
    if (!started) {
      started = ready
        .then(function () {
          return Promise.all([loadWebChat(), grant()]);
        })
        .then(function (results) {
          render(results[1]);
          return true;
        })
        .catch(function (err) {
          // Said in the panel, where the resident is looking; opening again tries again.
          started = null;
          host.textContent = '';
          host.appendChild(el('p', { class: 'parley-status', role: 'alert' }, ['Sorry, the chat is not working at the moment. Please try again later.']));
          if (window.console) window.console.error('Parley chat widget: ' + err.message);
          return false;
        });
    }
    return started;
  }

  function render(g) {
    directLine = window.WebChat.createDirectLine({ domain: domain, token: g.token });
    chatStore = window.WebChat.createStore({}, function () {
      return function (next) {
        return function (action) {
          if (action.type === 'DIRECT_LINE/CONNECT_FULFILLED') {
            connected = true;
            setTimeout(sendPendingTopics, 0);
          }
          return next(action);
        };
      };
    });
    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        store: chatStore,
        locale: 'en-GB',
        styleOptions: {
          accent: '#1d70b8',
          primaryFont: 'Arial, Helvetica, sans-serif',
          backgroundColor: '#ffffff',
          bubbleBackground: '#f3f2f1',
          bubbleBorderColor: '#b1b4b6',
          bubbleBorderRadius: 0,
          bubbleTextColor: '#0b0c0c',
          bubbleFromUserBackground: '#1d70b8',
          bubbleFromUserBorderColor: '#1d70b8',
          bubbleFromUserBorderRadius: 0,
          bubbleFromUserTextColor: '#ffffff',
          subtle: '#505a5f',
          timestampColor: '#505a5f',
          suggestedActionLayout: 'flow',
          suggestedActionBackgroundColor: '#ffffff',
          suggestedActionBorderColor: '#1d70b8',
          suggestedActionBorderRadius: 0,
          suggestedActionTextColor: '#1d70b8',
          hideUploadButton: true,
          sendBoxButtonColor: '#1d70b8',
        },
      },
      host,
    );
  }

  function sendPendingTopics() {
    while (connected && pendingTopics.length) {
      chatStore.dispatch({ type: 'WEB_CHAT/SEND_MESSAGE', payload: { text: pendingTopics.shift() } });
    }
  }

  // Web Chat renews its token in memory; keep the newest for the next page of this visit.
  window.addEventListener('pagehide', function () {
    var saved = read(KEYS.chat);
    if (saved && directLine && directLine.token) write(KEYS.chat, { conversationId: saved.conversationId, token: directLine.token });
  });

  // --- Proactive offers ---------------------------------------------------------------------

  function offerState(value) {
    root.setAttribute('data-parley-offer', value);
  }

  function pageMatches(pattern, path) {
    var escaped = pattern.split('*').map(function (part) {
      return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    });
    return new RegExp('^' + escaped.join('.*') + '$').test(path);
  }

  function scrolledPercent() {
    var page = document.documentElement;
    return ((window.scrollY + window.innerHeight) / page.scrollHeight) * 100;
  }

  function armOffer(rules) {
    if (!rules.length) return offerState('off');
    if (session.getItem(KEYS.offers) === 'done') return offerState('done');
    var rule = rules.filter(function (r) {
      return pageMatches(r.page, window.location.pathname);
    })[0];
    if (!rule) return offerState('none');
    var timer = null;
    var onScroll = function () {
      if (scrolledPercent() >= rule.scrollDepth) fire();
    };
    var fire = function () {
      disarmOffer();
      showOffer(rule);
    };
    disarmOffer = function () {
      clearTimeout(timer);
      window.removeEventListener('scroll', onScroll);
    };
    if (rule.afterSeconds) timer = setTimeout(fire, rule.afterSeconds * 1000);
    if (rule.scrollDepth) window.addEventListener('scroll', onScroll, { passive: true });
    offerState('armed');
  }

  function showOffer(rule) {
    if (!panel.hidden || session.getItem(KEYS.offers) === 'done') return;
    offerActions.textContent = '';
    var topics = rule.topics.length ? rule.topics : [];
    var list = el('ul', { class: 'parley-offer__topics' });
    topics.forEach(function (topic) {
      var button = el('button', { type: 'button', class: 'parley-button' }, [topic]);
      button.addEventListener('click', function () {
        acceptOffer(topic);
      });
      list.appendChild(el('li', {}, [button]));
    });
    if (!topics.length) {
      var startButton = el('button', { type: 'button', class: 'parley-button' }, ['Start a chat']);
      startButton.addEventListener('click', function () {
        acceptOffer(null);
      });
      list.appendChild(el('li', {}, [startButton]));
    }
    var dismiss = el('button', { type: 'button', class: 'parley-link-button' }, ['No thanks']);
    dismiss.addEventListener('click', dismissOffer);
    offerActions.appendChild(list);
    offerActions.appendChild(dismiss);
    offer.classList.add('parley-offer--shown');
    offerActions.hidden = false;
    // Last, so the live region speaks once everything is in place. Focus stays where it was.
    offerMessage.textContent = rule.message;
    offerState('shown');
  }

  function hideOffer() {
    var hadFocus = offer.contains(document.activeElement);
    offerMessage.textContent = '';
    offerActions.hidden = true;
    offerActions.textContent = '';
    offer.classList.remove('parley-offer--shown');
    return hadFocus;
  }

  /** No more offers this visit: the resident has chosen to chat, or said no. */
  function endOffers() {
    disarmOffer();
    session.setItem(KEYS.offers, 'done');
    if (root.getAttribute('data-parley-offer') !== 'off') offerState('done');
    return hideOffer();
  }

  function dismissOffer() {
    // The focused button has gone: the launcher is the nearest sensible place for the keyboard.
    if (endOffers()) launcher.focus();
  }

  function acceptOffer(topic) {
    if (topic) pendingTopics.push(topic);
    open(true).then(function (ok) {
      if (ok) sendPendingTopics();
    });
  }

  // --- Start-up -----------------------------------------------------------------------------

  var ready = fetch('/api/web/settings')
    .then(function (res) {
      if (!res.ok) throw new Error('settings answered HTTP ' + res.status);
      return res.json();
    })
    .then(function (s) {
      domain = s.directLineDomain || window.location.origin + '/v3/directline';
      root.querySelector('.parley-privacy__retention').textContent = s.privacyNotice + ' ';
      armOffer(s.proactive);
      // Carry on an open chat across a reload or the next page, without moving the focus.
      if (session.getItem(KEYS.open) === '1' && read(KEYS.chat)) open(false);
    })
    .catch(function (err) {
      // Without settings there is no chat to offer: better no button than a broken one.
      launcher.hidden = true;
      if (window.console) window.console.error('Parley chat widget: ' + err.message);
      throw err;
    });
  ready.catch(function () {});
})();
