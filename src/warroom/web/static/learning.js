// The post-mortem editor's live preview: the server renders the Markdown (the same code
// that renders the saved text), a moment after typing stops. Without JavaScript the
// "Preview" button does the same with a full page.
(function () {
  "use strict";
  var area = document.querySelector("[data-preview-url]");
  var target = document.getElementById("preview");
  if (!area || !target) return;
  var timer = null;
  var form = area.form;
  function refresh() {
    var body = new URLSearchParams();
    body.set("body", area.value);
    body.set("csrf", form.elements.csrf.value);
    fetch(area.getAttribute("data-preview-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) target.innerHTML = html;
    }).catch(function () {});
  }
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
