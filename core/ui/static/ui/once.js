/* One press, one submission: while a POST form is being sent its submit buttons are disabled.
   The server also refuses a second submission of the same form (its one-time token, core/once),
   so this only spares people the wait and the doubt. Forms handled by script (htmx) are left alone. */
(function () {
  "use strict";
  var COPY = "data-once-submitter";

  function release(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("[" + COPY + "]").forEach(function (el) { el.remove(); });
    form.querySelectorAll("button[data-once-disabled], input[data-once-disabled]").forEach(function (el) {
      el.disabled = false;
      el.removeAttribute("data-once-disabled");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || form.target === "_blank") return;
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      // A disabled button is not sent: keep the pressed button's name and value.
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.setAttribute(COPY, "");
      form.appendChild(copy);
    }
    form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]").forEach(function (el) {
      if (!el.disabled) { el.disabled = true; el.setAttribute("data-once-disabled", ""); }
    });
    // A download answers without leaving the page: let the form be used again after a while.
    window.setTimeout(function () { release(form); }, 20000);
  });

  // Back to a page kept in the browser's cache: its forms are usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(release);
  });
})();
