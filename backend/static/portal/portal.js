// Portal chat page: the "Link Slack / Teams" control (POST with the page's CSRF token), and the
// page's own texts following the conversation's language (the widget's "bm-chat-language"
// event; every language's texts are in the page, #bm-chrome).
"use strict";

(function () {
  const chromeNode = document.getElementById("bm-chrome");
  const chrome = chromeNode ? JSON.parse(chromeNode.textContent) : {};

  function strings() {
    return chrome[document.documentElement.lang] || {};
  }

  document.addEventListener("bm-chat-language", function (event) {
    const language = event.detail.language;
    const t = chrome[language];
    if (!t) {
      return;
    }
    document.documentElement.lang = language;
    document.title = t.chat_title + " – " + t.title;
    document.querySelectorAll("[data-chrome]").forEach(function (node) {
      node.textContent = t[node.dataset.chrome];
    });
  });

  const button = document.getElementById("link-code-button");
  const result = document.getElementById("link-code-result");
  if (!button || !result) {
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  button.addEventListener("click", async function () {
    button.disabled = true;
    try {
      const response = await fetch("/portal/link-codes", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const body = await response.json();
      // The code is shown on its own so it can be selected and copied.
      result.textContent = "";
      const code = document.createElement("strong");
      code.className = "bm-link-code";
      code.id = "link-code";
      code.textContent = body.code;
      const instruction = document.createElement("span");
      instruction.id = "link-instruction";
      instruction.textContent = " " + body.instruction;
      result.append(code, instruction);
    } catch (error) {
      result.textContent = strings().link_failed;
    } finally {
      button.disabled = false;
    }
  });
})();
