// Portal page: the "Link Slack / Teams" control (POST with the page's CSRF token).
"use strict";

(function () {
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
      result.textContent = button.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
})();
