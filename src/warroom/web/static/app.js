// warroom: the pages work without this file; with it, times are local, countdowns tick,
// forms post in place and the incident room follows everyone's changes live (SSE).
"use strict";
(function () {
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
    var m = Math.floor(s % 3600 / 60), sec = s % 60, pad = function (n) { return n < 10 ? "0" + n : "" + n; };
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + pad(m) + "m";
    if (m) return m < 10 ? m + "m " + pad(sec) + "s" : m + "m";
    return sec + "s";
  }
  function localTimes(root) {
    var today = new Date().toDateString();
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      var opts = { hour: "2-digit", minute: "2-digit", hour12: false, timeZoneName: "short" };
      if (when.toDateString() !== today) { opts.weekday = "short"; opts.day = "numeric"; opts.month = "short"; }
      el.textContent = new Intl.DateTimeFormat(undefined, opts).format(when);
    });
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = new Date(el.getAttribute("data-due")).getTime() - now;
      el.textContent = left < 0 ? "overdue " + span(left) : "in " + span(left);
      el.classList.toggle("overdue", left < 0);
    });
    document.querySelectorAll(".age[data-since]").forEach(function (el) {
      el.textContent = span(now - new Date(el.getAttribute("data-since")).getTime());
    });
  }
  function parse(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content;
  }
  var live = null;
  function follow(room) {
    var url = room.getAttribute("data-live");
    live = new EventSource(url);
    live.addEventListener("entry", function (e) {
      var frag = parse(e.data), item = frag.firstElementChild, list = document.getElementById("timeline");
      if (!item || !list || document.getElementById(item.id)) return;
      localTimes(frag);
      item.classList.add("fresh");
      list.insertBefore(item, list.firstElementChild);
      setTimeout(function () { item.classList.remove("fresh"); }, 4000);
    });
    live.addEventListener("header", function (e) {
      var box = document.getElementById("incident-header");
      if (box) { box.innerHTML = e.data; localTimes(box); tick(); }
    });
    live.addEventListener("actions", function (e) {
      var box = document.getElementById("incident-actions");
      if (!box) return;
      var frag = parse(e.data), next = frag.firstElementChild, now = box.firstElementChild;
      if (next && now && next.getAttribute("data-state") === now.getAttribute("data-state")) return;
      box.innerHTML = "";
      box.appendChild(frag);
    });
  }
  function swap(doc, id) {
    var fresh = doc.getElementById(id), old = document.getElementById(id);
    if (fresh && old) old.replaceWith(document.importNode(fresh, true));
  }
  function enhance(form) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new URLSearchParams(new FormData(form)),
      headers: { "X-Requested-With": "fetch" }, credentials: "same-origin"
    }).then(function (r) {
      if (r.status === 204) {
        if (form.hasAttribute("data-reset")) form.reset();
        if (button) button.disabled = false;
        var notices = document.getElementById("notices");
        if (notices) notices.innerHTML = "";
        if (!live || live.readyState === 2) location.reload();
        return;
      }
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.getElementById("incident-header")) { document.open(); document.write(html); document.close(); return; }
        ["incident-header", "notices", "incident-actions", "form-update"].forEach(function (id) { swap(doc, id); });
        localTimes(document); tick();
        var bad = document.querySelector("[aria-invalid=true]") || document.querySelector("[role=alert]");
        if (bad) { if (!bad.hasAttribute("tabindex") && !/INPUT|SELECT|TEXTAREA/.test(bad.tagName)) bad.setAttribute("tabindex", "-1"); bad.focus(); }
      });
    }).catch(function () { form.submit(); });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-enhance") || !window.fetch) return;
    e.preventDefault();
    enhance(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tick();
    setInterval(tick, 1000);
    var room = document.querySelector("[data-live]");
    if (room && window.EventSource) follow(room);
  });
})();
