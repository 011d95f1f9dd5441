/* parscore page: in-place updates for the server-rendered forms (progressive enhancement;
   every form also works as a plain POST without this script). Own code, MIT, no network. */
(function () {
  "use strict";
  var app = document.getElementById("app");
  function main() { return document.getElementById("main"); }

  function token() {
    var i = main().querySelector("input[name=csrf]");
    return i ? i.value : "";
  }

  function restoreFocus(previousId) {
    var want = main().querySelector("input[name=focus]");
    var id = (want && want.value) || previousId;
    var el = id ? document.getElementById(id) : null;
    if (!el || el.disabled) { el = document.getElementById("whatif-summary") || main(); }
    el.focus({ preventScroll: false });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var sub = ev.submitter;
    if (!form.hasAttribute("data-fragment") || (sub && sub.hasAttribute("data-download"))) { return; }
    ev.preventDefault();
    var data = new FormData(form, sub || undefined);
    var action = (sub && sub.getAttribute("formaction")) || form.getAttribute("action");
    var previous = document.activeElement && document.activeElement.id;
    document.body.setAttribute("aria-busy", "true");
    fetch(action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Parscore-Fragment": "1", "X-Parscore-CSRF": token() }
    }).then(function (r) { return r.text(); }).then(function (html) {
      app.innerHTML = html;   // the header (language switch) and the main content
      var lang = main().querySelector("#state input[name=lang]");
      if (lang) { document.documentElement.lang = lang.value; }
      document.title = main().getAttribute("data-title") || document.title;
      restoreFocus(previous);
    }).catch(function () {
      form.removeAttribute("data-fragment");
      form.requestSubmit(sub || undefined);   // fall back to a plain POST
    }).finally(function () { document.body.removeAttribute("aria-busy"); });
  });

  // Enter in a fact's box tries that fact (not the form's first button).
  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if (ev.key !== "Enter" || !el.matches || !el.matches("input[data-try]")) { return; }
    ev.preventDefault();
    var cell = el.closest("td");
    var button = cell && cell.querySelector("button.try");
    if (button) { button.click(); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.id === "target") {
      ev.preventDefault();
      document.getElementById("plan-button").click();
    }
  });
}());
