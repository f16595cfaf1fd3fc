// Registration page: posts the profile as JSON and shows the outcome in the page's language
// (the texts come from the #result element's data attributes: no inline script under the CSP).
"use strict";

(function () {
  const form = document.getElementById("registration");
  const result = document.getElementById("result");
  if (!form || !result) {
    return;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form).entries());
    const response = await fetch(form.dataset.postUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    result.hidden = false;
    if (response.ok) {
      form.hidden = true;
      result.className = "message done";
      result.textContent = result.dataset.done;
    } else {
      const payload = await response.json().catch(() => ({}));
      result.className = "message error";
      result.textContent =
        payload.error && payload.error.code === "registration_token_invalid"
          ? result.dataset.invalid
          : result.dataset.error;
    }
  });
})();
