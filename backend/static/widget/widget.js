// Business Mobile web chat widget: vanilla JS, no dependencies.
//
// Embed on a page served by the backend (the bm_portal cookie is same-origin):
//   <link rel="stylesheet" href="/static/widget/widget.css">
//   <div data-bm-chat></div>
//   <script src="/static/widget/widget.js" defer></script>
//
// The widget talks only to the backend's gateway (/portal/chat/messages); the backend owns the
// Rasa sender id. Bot text is never parsed as HTML: every message is built from DOM nodes, and
// URLs become links only when they are http(s).
//
// Each message carries a client id of its own: a send lost on the way is retried with the same
// id, and the gateway answers a retry from the stored turn instead of sending it to Rasa again.
// An answer slower than the gateway's budget comes later ("pending"): the widget keeps polling
// until it is there.
//
// Bot messages name their language: each bubble carries it as ``lang`` (screen readers pick the
// right voice), and when the conversation changes language the widget switches its own texts
// and announces it with a "bm-chat-language" event on the document, for the page around it.
"use strict";

(function () {
  const POLL_MS = 2000;
  // Before each send attempt: a network error or a 5xx is retried, with the same client id.
  const RETRY_DELAYS_MS = [0, 1000, 3000];
  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  const STRINGS = {
    fr: {
      title: "Assistant Business Mobile",
      placeholder: "Écrivez votre message…",
      send: "Envoyer",
      typing: "L'assistant écrit…",
      you: "Vous",
      bot: "Assistant",
      agent: "Conseiller",
      system: "Info",
      offline: "Le message n'a pas pu être envoyé. Vérifiez votre connexion et réessayez.",
      expired: "Votre session a expiré.",
      login: "Se reconnecter",
      choices: "Réponses proposées",
      image: "Image envoyée par l'assistant",
      log: "Conversation",
    },
    nl: {
      title: "Business Mobile-assistent",
      placeholder: "Typ uw bericht…",
      send: "Verzenden",
      typing: "De assistent typt…",
      you: "U",
      bot: "Assistent",
      agent: "Medewerker",
      system: "Info",
      offline: "Het bericht kon niet verstuurd worden. Controleer uw verbinding en probeer opnieuw.",
      expired: "Uw sessie is verlopen.",
      login: "Opnieuw aanmelden",
      choices: "Voorgestelde antwoorden",
      image: "Afbeelding van de assistent",
      log: "Gesprek",
    },
    en: {
      title: "Business Mobile assistant",
      placeholder: "Type your message…",
      send: "Send",
      typing: "The assistant is typing…",
      you: "You",
      bot: "Assistant",
      agent: "Agent",
      system: "Info",
      offline: "The message could not be sent. Check your connection and try again.",
      expired: "Your session has expired.",
      login: "Log in again",
      choices: "Suggested replies",
      image: "Image sent by the assistant",
      log: "Conversation",
    },
  };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // 128 random bits in hex (crypto.randomUUID needs a secure context; this works everywhere).
  function newClientId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function sleep(milliseconds) {
    return new Promise((resolve) => window.setTimeout(resolve, milliseconds));
  }

  function safeUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value) ? value : null;
  }

  function link(url, label) {
    const anchor = element("a", "bm-chat-link", label || url);
    anchor.href = url;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    return anchor;
  }

  // Text nodes with http(s) URLs turned into links; nothing is ever interpreted as markup.
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      fragment.append(link(match[0]));
      last = match.index + match[0].length;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  class ChatWidget {
    constructor(root) {
      this.root = root;
      this.base = (root.dataset.baseUrl || "").replace(/\/$/, "");
      this.seen = new Set();
      this.cursor = 0; // highest message id received from the server's ordered history
      this.csrf = null;
      this.sending = false;
      this.waiting = false; // the gateway said an answer is still to come
      this.sends = 0;
      this.pending = null; // the user's bubble shown before the server stored it
      this.stopped = false;
      this.language = STRINGS[document.documentElement.lang] ? document.documentElement.lang : "fr";
      this.t = STRINGS[this.language];
    }

    async start() {
      const session = await this.request("GET", "/portal/session");
      if (!session) {
        return;
      }
      this.csrf = session.csrf_token;
      // The page is rendered in the conversation's language; elsewhere the account's counts.
      if (!STRINGS[document.documentElement.lang] && STRINGS[session.language]) {
        this.language = session.language;
        this.t = STRINGS[session.language];
      }
      this.build();
      await this.poll();
      this.schedulePoll();
    }

    build() {
      const t = this.t;
      this.root.textContent = "";
      this.root.classList.add("bm-chat");
      this.root.lang = this.language;
      this.title = element("div", "bm-chat-title", t.title);
      this.root.append(this.title);

      this.log = element("div", "bm-chat-log");
      this.log.id = "bm-chat-log";
      this.log.setAttribute("role", "log");
      this.log.setAttribute("aria-live", "polite");
      this.log.setAttribute("aria-label", t.log);
      this.log.tabIndex = 0; // scrollable with the keyboard
      this.root.append(this.log);

      this.typing = element("div", "bm-chat-typing", t.typing);
      this.typing.setAttribute("role", "status");
      this.typing.hidden = true;
      this.root.append(this.typing);

      this.form = element("form", "bm-chat-form");
      this.input = element("input", "bm-chat-input");
      this.input.type = "text";
      this.input.name = "message";
      this.input.autocomplete = "off";
      this.input.maxLength = 2000;
      this.input.placeholder = t.placeholder;
      this.input.setAttribute("aria-label", t.placeholder);
      this.sendButton = element("button", "bm-chat-send", t.send);
      this.sendButton.type = "submit";
      this.form.append(this.input, this.sendButton);
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.input.value.trim();
        if (text && this.canSend()) {
          this.input.value = "";
          this.send({ text: text }, text);
        }
      });
      this.root.append(this.form);
    }

    async request(method, path, body) {
      const answer = await this.fetchJson(method, path, body);
      return answer.ok ? answer.body : null;
    }

    // {ok, status, body}; status 0 when the request never got an answer.
    async fetchJson(method, path, body) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        headers["X-CSRF-Token"] = this.csrf;
      }
      let response;
      try {
        response = await fetch(this.base + path, {
          method: method,
          credentials: "same-origin",
          headers: headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        return { ok: false, status: 0, body: null };
      }
      if (response.status === 401) {
        this.expired();
      }
      const parsed = response.ok ? await response.json().catch(() => null) : null;
      return { ok: parsed !== null, status: response.status, body: parsed };
    }

    async postMessage(body) {
      for (const delay of RETRY_DELAYS_MS) {
        if (delay) {
          await sleep(delay);
        }
        const answer = await this.fetchJson("POST", "/portal/chat/messages", body);
        if (answer.status !== 0 && answer.status < 500) {
          return answer.body;
        }
      }
      return null;
    }

    canSend() {
      return !this.sending && !this.waiting && !this.stopped;
    }

    // While an answer is still to come the typing indicator stays and nothing else is sent, so
    // the next message is never read against the wrong question.
    setWaiting(waiting) {
      this.waiting = waiting;
      this.typing.hidden = !(waiting || this.sending);
      this.sendButton.disabled = !this.canSend();
    }

    expired() {
      this.stopped = true;
      const notice = element("p", "bm-chat-expired", this.t.expired + " ");
      notice.setAttribute("role", "alert");
      notice.append(link(this.base + "/portal", this.t.login));
      notice.lastChild.target = "_self";
      (this.log || this.root).append(notice);
      if (this.form) {
        this.input.disabled = true;
        this.sendButton.disabled = true;
      }
    }

    schedulePoll() {
      window.setTimeout(async () => {
        if (this.stopped) {
          return;
        }
        // While a message is on its way its stored copy would come back here too: wait.
        if (!this.sending) {
          await this.poll();
        }
        this.schedulePoll();
      }, POLL_MS);
    }

    // History on load, then agent/system messages (and anything another tab added).
    async poll() {
      const query = this.cursor ? "?after=" + this.cursor : "";
      const sends = this.sends;
      const body = await this.request("GET", "/portal/chat/messages" + query);
      if (body) {
        body.messages.forEach((message) => this.show(message));
        if (body.messages.length) {
          this.cursor = Math.max(this.cursor, body.messages[body.messages.length - 1].id);
        }
        // A send that started meanwhile knows better than this answer whether one is pending.
        if (!this.sending && sends === this.sends) {
          this.setWaiting(Boolean(body.pending));
        }
      }
    }

    async send(body, shownText) {
      this.sending = true;
      this.sends += 1;
      this.sendButton.disabled = true;
      body.client_id = newClientId();
      // The user's bubble at once; it gets its server id when the gateway answers.
      const pending = this.bubble({ author: "user", text: shownText });
      this.pending = { element: pending, text: shownText };
      this.typing.hidden = false;
      this.scroll();
      const result = await this.postMessage(body);
      this.sending = false;
      this.pending = null;
      this.setWaiting(Boolean(result && result.pending));
      if (!result) {
        if (!this.stopped) {
          this.bubble({ author: "system", text: this.t.offline });
        }
        this.scroll();
        return;
      }
      const [own, ...replies] = result.messages;
      if (own) {
        this.seen.add(own.id);
        pending.dataset.id = own.id;
      }
      replies.forEach((message) => this.show(message));
      this.scroll();
      this.input.focus();
    }

    show(message) {
      if (this.seen.has(message.id)) {
        return;
      }
      this.seen.add(message.id);
      // A poll that overtook the POST's answer brings back the bubble already shown: adopt it.
      if (this.pending && message.author === "user" && message.text === this.pending.text) {
        this.pending.element.dataset.id = message.id;
        this.pending = null;
        return;
      }
      this.bubble(message).dataset.id = message.id;
      this.scroll();
      if (message.language && message.language !== this.language) {
        this.setLanguage(message.language);
      }
    }

    // The conversation goes on in another language: the widget's texts and the page follow.
    setLanguage(language) {
      if (!STRINGS[language]) {
        return;
      }
      const t = STRINGS[language];
      this.language = language;
      this.t = t;
      this.root.lang = language;
      this.title.textContent = t.title;
      this.log.setAttribute("aria-label", t.log);
      this.typing.textContent = t.typing;
      this.input.placeholder = t.placeholder;
      this.input.setAttribute("aria-label", t.placeholder);
      this.sendButton.textContent = t.send;
      document.dispatchEvent(
        new CustomEvent("bm-chat-language", { detail: { language: language } })
      );
    }

    bubble(message) {
      const t = this.t;
      if (message.author === "user") {
        // Earlier quick replies are answered: keep them visible but no longer clickable.
        this.log.querySelectorAll(".bm-chat-choices button").forEach((b) => (b.disabled = true));
      }
      const item = element("div", "bm-chat-message bm-chat-" + message.author);
      if (message.language) {
        item.lang = message.language;
      }
      const who = element("span", "bm-visually-hidden", (t[message.author] || "") + ": ");
      item.append(who);
      if (message.text) {
        const text = element("p", "bm-chat-text");
        text.append(linkified(message.text));
        item.append(text);
      }
      const image = safeUrl(message.image_url);
      if (image) {
        const img = element("img", "bm-chat-image");
        img.src = image;
        img.alt = t.image;
        img.loading = "lazy";
        item.append(img);
      }
      const attachment = safeUrl(message.link_url);
      if (attachment) {
        item.append(link(attachment));
      }
      if (message.buttons && message.buttons.length) {
        const choices = element("div", "bm-chat-choices");
        choices.setAttribute("role", "group");
        choices.setAttribute("aria-label", t.choices);
        message.buttons.forEach((button) => {
          const choice = element("button", "bm-chat-choice", button.title);
          choice.type = "button";
          choice.addEventListener("click", () => {
            if (this.canSend()) {
              this.send({ payload: button.payload, title: button.title }, button.title);
            }
          });
          choices.append(choice);
        });
        item.append(choices);
      }
      this.log.append(item);
      return item;
    }

    scroll() {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  function init() {
    document.querySelectorAll("[data-bm-chat]").forEach((root) => {
      if (!root.dataset.bmChatStarted) {
        root.dataset.bmChatStarted = "1";
        new ChatWidget(root).start();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
