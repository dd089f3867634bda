// The visit form keeps the chosen photos when the server refuses a submit (issue 12 §6).
// A browser never refills a file input from a re-rendered page, so the form is sent with fetch():
// on a refusal (400) the server's re-rendered form replaces this one, but the very same file input
// element — with the photos in it — is moved into it. Without JavaScript the form posts normally
// and the page says the photos must be chosen again.
(function () {
  "use strict";

  function attach(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData || !window.DOMParser) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Visit-Form": "fetch" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === 0) {
            return response.json().then(function (body) { window.location.assign(body.redirect); });
          }
          return response.text().then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById("visit-form");
            if (response.status !== 400 || !fresh) {
              document.open(); document.write(html); document.close();
              return;
            }
            var photos = form.querySelector("input[type=file]");
            var slot = fresh.querySelector("input[type=file]");
            if (photos && slot) {
              slot.replaceWith(photos);
              var lost = fresh.querySelector("#photos-lost");
              if (lost) lost.remove();
              var kept = fresh.querySelector("#photos-kept");
              if (kept && photos.files.length) kept.hidden = false;
            }
            form.replaceWith(fresh);
            attach(fresh);
            var alert = fresh.querySelector("[role=alert]");
            if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
          });
        })
        .catch(function () {
          if (button) button.disabled = false;
          form.submit();
        });
    });
  }

  var form = document.getElementById("visit-form");
  if (form) attach(form);
})();
