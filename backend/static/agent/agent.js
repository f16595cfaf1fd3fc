// Agent console: polls the queue and the open conversation every 2 s through the agent API
// (portal cookie + CSRF header). Every text from users, the bot or agents is put in the page
// with textContent on nodes built here, never parsed as HTML.
(function () {
  "use strict";

  var API = "/api/v1/agent/handoffs";
  var POLL_MS = 2000;
  var t = JSON.parse(document.getElementById("agent-strings").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var selectedId = null;
  var current = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      options.headers["X-CSRF-Token"] = csrf;
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/portal?next=/agent";
        throw new Error("logged out");
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function showError(show) {
    byId("error").hidden = !show;
  }

  function label(key) {
    return t[key] || key;
  }

  function renderQueue(items) {
    var list = byId("queue");
    list.replaceChildren();
    byId("queue-empty").hidden = items.length > 0;
    items.forEach(function (item) {
      var li = el("li", "ag-queue-item" + (item.id === selectedId ? " ag-selected" : ""));
      var button = el("button", "ag-queue-button");
      button.type = "button";
      button.dataset.handoffId = String(item.id);
      button.appendChild(el("strong", null, item.user.name));
      button.appendChild(el("span", "ag-meta", " · " + (item.user.company || "") + " · " + label(item.platform)));
      button.appendChild(el("span", "ag-status ag-status-" + item.status, label(item.status)));
      if (item.last_user_message) button.appendChild(el("span", "ag-preview", item.last_user_message));
      button.addEventListener("click", function () {
        selectedId = item.id;
        refreshDetail();
      });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function addPair(dl, key, value) {
    dl.appendChild(el("dt", null, key));
    dl.appendChild(el("dd", null, value));
  }

  function renderMessages(list, entries) {
    list.replaceChildren();
    entries.forEach(function (entry) {
      var li = el("li", "ag-msg ag-msg-" + entry.who);
      li.appendChild(el("span", "ag-author", entry.author));
      li.appendChild(el("span", "ag-text", entry.text));
      if (entry.undelivered) li.appendChild(el("span", "ag-undelivered", label("not_delivered")));
      list.appendChild(li);
    });
    list.scrollTop = list.scrollHeight;
  }

  function renderDetail(detail) {
    current = detail;
    byId("choose").hidden = true;
    byId("detail").hidden = false;
    var user = byId("user");
    user.replaceChildren();
    addPair(user, label("user"), detail.user.name + " (" + detail.user.gsm + ")");
    addPair(user, label("company"), detail.user.company || "–");
    addPair(user, label("role"), label(detail.user.role));
    addPair(user, label("language"), detail.user.language.toUpperCase());
    addPair(user, label("reason"), label(detail.reason) + " · " + label(detail.platform) + " · " + label(detail.status));

    renderMessages(byId("transcript"), detail.transcript.map(function (entry) {
      var who = entry.author === "user" ? "user" : "bot";
      return { who: who, author: label("from_" + who), text: entry.text };
    }));

    var collected = byId("collected");
    collected.replaceChildren();
    var keys = Object.keys(detail.collected);
    if (keys.length === 0) collected.appendChild(el("dd", null, label("nothing_collected")));
    keys.forEach(function (key) {
      var value = detail.collected[key];
      addPair(collected, key, typeof value === "string" ? value : JSON.stringify(value));
    });

    renderMessages(byId("messages"), detail.messages.map(function (message) {
      var fromUser = message.direction === "user_to_agent";
      return {
        who: fromUser ? "user" : "agent",
        author: label(fromUser ? "from_user" : "from_agent"),
        text: message.text,
        undelivered: !fromUser && !message.delivered,
      };
    }));

    var open = detail.status === "waiting" || detail.status === "active";
    byId("take").hidden = detail.status !== "waiting";
    byId("hand-back").hidden = !open;
    byId("close").hidden = !open;
    byId("reply").hidden = detail.status !== "active";
  }

  function refreshQueue() {
    return request("GET", API).then(renderQueue);
  }

  function refreshDetail() {
    if (selectedId === null) return Promise.resolve();
    return request("GET", API + "/" + selectedId).then(renderDetail);
  }

  function act(path, body) {
    if (selectedId === null) return;
    showError(false);
    request("POST", API + "/" + selectedId + path, body)
      .then(function () {
        return Promise.all([refreshDetail(), refreshQueue()]);
      })
      .catch(function () {
        showError(true);
      });
  }

  byId("take").addEventListener("click", function () { act("/take"); });
  byId("hand-back").addEventListener("click", function () { act("/hand-back"); });
  byId("close").addEventListener("click", function () { act("/close"); });
  byId("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = byId("reply-text");
    var text = box.value.trim();
    if (!text) return;
    box.value = "";
    act("/messages", { text: text });
  });
  byId("reply-text").addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter adds a line.
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      byId("reply").requestSubmit();
    }
  });

  function poll() {
    Promise.all([refreshQueue(), refreshDetail()])
      .catch(function () { /* the next poll retries */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  poll();
})();
