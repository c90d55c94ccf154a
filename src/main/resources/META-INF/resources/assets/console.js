// Patchwave console: the few things the pages need a script for. No inline scripts (the
// Content-Security-Policy forbids them), no eval, no third-party code but htmx and its SSE extension.
//  - buttons and forms with data-action call the REST API (with the CSRF token from the page),
//    after a confirmation that says what they will do, and show the API's problem+json detail
//    when it refuses;
//  - every htmx request carries the CSRF token;
//  - [data-until] elements count down to their time (on the client: nothing is polled).
(function () {
  'use strict';

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  if (window.htmx) {
    htmx.config.includeIndicatorStyles = false;
    htmx.config.allowEval = false;
    htmx.config.allowScriptTags = false;
    htmx.config.selfRequestsOnly = true;
    htmx.config.historyCacheSize = 0;
  }
  document.addEventListener('htmx:configRequest', function (e) {
    e.detail.headers['X-CSRF-Token'] = csrf();
  });

  function problemBox() { return document.getElementById('problem'); }

  function clearProblem() {
    var box = problemBox();
    if (box) { box.hidden = true; box.textContent = ''; }
  }

  function showProblem(p) {
    var box = problemBox();
    if (!box) { window.alert((p.title || 'Refused') + ': ' + (p.detail || '')); return; }
    box.textContent = '';
    var title = document.createElement('strong');
    title.textContent = (p.status ? p.status + ' ' : '') + (p.title || 'Refused');
    box.appendChild(title);
    if (p.detail) {
      var detail = document.createElement('p');
      detail.className = 'problem-detail';
      detail.textContent = p.detail;
      box.appendChild(detail);
    }
    if (Array.isArray(p.errors) && p.errors.length) {
      var list = document.createElement('ul');
      p.errors.forEach(function (err) {
        var li = document.createElement('li');
        li.textContent = (err.path || '') + (err.line ? ' (line ' + err.line + ')' : '') + ': ' + err.message;
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    box.hidden = false;
    box.focus && box.setAttribute('tabindex', '-1');
    box.focus && box.focus();
  }

  function say(text) {
    var status = document.getElementById('status');
    if (status) { status.textContent = text; }
  }

  function problemOf(res) {
    return res.text().then(function (text) {
      try {
        var p = JSON.parse(text);
        if (p && typeof p === 'object') { p.status = p.status || res.status; return p; }
      } catch (ignored) { /* not JSON */ }
      return { status: res.status, title: res.statusText || 'Refused', detail: text.slice(0, 500) };
    });
  }

  function refresh() {
    var board = document.getElementById('board');
    if (board && board.dataset.refresh && window.htmx) {
      htmx.ajax('GET', board.dataset.refresh, { target: '#board', swap: 'innerHTML' });
    } else if (window.htmx) {
      htmx.ajax('GET', location.pathname + location.search,
        { target: '#content', select: '#content', swap: 'outerHTML' });
    } else {
      location.reload();
    }
  }

  function bodyOf(el) {
    var body = null;
    if (el.tagName === 'FORM') {
      body = {};
      new FormData(el).forEach(function (value, key) {
        // an optional field left empty is not sent (the API reads absent, not "")
        var field = el.elements[key];
        if (value === '' && field && field.dataset && field.dataset.optional !== undefined) { return; }
        body[key] = value;
      });
    }
    Object.keys(el.dataset).forEach(function (k) {
      if (k.indexOf('body') === 0 && k.length > 4) {
        body = body || {};
        body[k.charAt(4).toLowerCase() + k.slice(5)] = el.dataset[k];
      }
    });
    return body;
  }

  function act(el) {
    var body = bodyOf(el);
    var question = (el.dataset.confirm || '').replace(/\[(\w+)\]/g, function (m, k) {
      return body && body[k] !== undefined ? body[k] : m;
    });
    if (question && !window.confirm(question)) { return; }
    clearProblem();
    var headers = { 'X-CSRF-Token': csrf(), 'Accept': 'application/json' };
    if (body) { headers['Content-Type'] = 'application/json'; }
    el.setAttribute('aria-busy', 'true');
    fetch(el.dataset.action, {
      method: el.dataset.method || 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: body ? JSON.stringify(body) : undefined
    }).then(function (res) {
      if (!res.ok) { return problemOf(res).then(showProblem); }
      var then = el.dataset.then;
      if (then === 'logout') { location.assign('/console/login'); return; }
      if (then === 'rollout') {
        var location_ = res.headers.get('Location') || '';
        var id = location_.split('/').pop();
        location.assign('/console/rollouts/' + encodeURIComponent(id));
        return;
      }
      say(el.dataset.done || 'Done.');
      refresh();
    }).catch(function (err) {
      showProblem({ title: 'The controller did not answer', detail: String(err) });
    }).finally(function () {
      el.removeAttribute('aria-busy');
    });
  }

  document.addEventListener('click', function (e) {
    var button = e.target.closest('button[data-action]');
    if (button && !button.form) { e.preventDefault(); act(button); }
  });
  document.addEventListener('submit', function (e) {
    var form = e.target.closest('form[data-action]');
    if (form) { e.preventDefault(); act(form); }
  });

  function left(ms) {
    var s = Math.round(ms / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + sec + 's left';
  }

  function tick() {
    document.querySelectorAll('[data-until]').forEach(function (el) {
      var until = Date.parse(el.dataset.until);
      if (isNaN(until)) { return; }
      var ms = until - Date.now();
      el.textContent = ms <= 0 ? (el.dataset.past || 'now') : (el.dataset.prefix || '') + left(ms);
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener('htmx:afterSwap', tick);
  document.addEventListener('htmx:sseMessage', tick);
})();
