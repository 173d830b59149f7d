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
  function showLive(state) {
    var el = document.getElementById("live-state");
    if (!el) return;
    el.hidden = false;
    el.setAttribute("data-state", state);
    el.textContent = state === "up" ? "Live" : state === "down" ? "Offline: reconnecting…" : "Connecting…";
  }
  function fields(root) {
    return root.querySelectorAll("input[id]:not([type=hidden]), select[id], textarea[id]");
  }
  function changed(field) {
    if (field._mine) return true;  // typed or chosen by the person, or kept after a refusal
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }
  function carry(from, to) {
    // what the person typed or chose in `from` goes on in `to`; so does the focus
    fields(from).forEach(function (old) {
      var fresh = to.querySelector("#" + CSS.escape(old.id));
      if (!fresh || !changed(old)) return;
      if (old.type === "checkbox" || old.type === "radio") fresh.checked = old.checked;
      else if (old.tagName !== "SELECT" || Array.prototype.some.call(fresh.options, function (o) { return o.value === old.value; })) fresh.value = old.value;
    });
  }
  function serverHtml(el) {
    if (el._server === undefined) el._server = el.outerHTML;
    return el._server;
  }
  function morph(box, html) {
    // replace only the parts ([data-part]) whose server HTML changed; keep typing, focus
    // and an open dropdown
    var frag = parse(html), next = frag.firstElementChild, now = box.firstElementChild;
    if (!next) return;
    if (!now) { box.appendChild(frag); return; }
    var focused = document.activeElement, keep = [];
    next.querySelectorAll("[data-part]").forEach(function (part) {
      var name = part.getAttribute("data-part");
      var old = now.querySelector('[data-part="' + name + '"]');
      part._server = part.outerHTML;
      if (!old) return;
      var busy = old.contains(focused) && focused.tagName === "SELECT";
      if (serverHtml(old) === part._server || busy) {
        keep.push([part, old]);
        if (busy) old._server = "";  // changed meanwhile: looked at again on the next update
        return;
      }
      carry(old, part);
    });
    var focusId = focused && now.contains(focused) ? focused.id : null;
    var range = focusId && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    keep.forEach(function (pair) { pair[0].replaceWith(pair[1]); });
    now.replaceWith(next);
    if (focusId && document.activeElement !== focused) {
      var again = document.getElementById(focusId);
      if (again) {
        again.focus();
        if (range) { try { again.setSelectionRange(range[0], range[1]); } catch (e) { /* not text */ } }
      }
    }
    searchable(box);
  }
  function follow(room) {
    var url = room.getAttribute("data-live"), show = room.getAttribute("data-show") || "all";
    var firstPage = room.getAttribute("data-page") === "1";
    var lost = null;  // the stream ends each minute and reopens at once: say "down" only
    showLive("connecting");  // when it has not reopened within two seconds
    live = new EventSource(url);
    live.onopen = function () { clearTimeout(lost); lost = null; showLive("up"); };
    live.onerror = function () {
      if (live.readyState === 2) { showLive("down"); setTimeout(function () { follow(room); }, 3000); return; }
      if (!lost) lost = setTimeout(function () { showLive("down"); }, 2000);
    };
    live.addEventListener("entry", function (e) {
      var frag = parse(e.data), item = frag.firstElementChild, list = document.getElementById("timeline");
      if (!item || !list || document.getElementById(item.id) || !firstPage) return;
      if ((" " + item.getAttribute("data-filters") + " ").indexOf(" " + show + " ") < 0) return;
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      localTimes(frag);
      item.classList.add("fresh");
      list.insertBefore(item, list.firstElementChild);
      setTimeout(function () { item.classList.remove("fresh"); }, 4000);
    });
    live.addEventListener("header", function (e) {
      var box = document.getElementById("incident-header");
      if (box) { box.innerHTML = e.data; localTimes(box); tick(); }
    });
    ["primary", "actions", "checklist"].forEach(function (name) {
      live.addEventListener(name, function (e) {
        var box = document.getElementById("incident-" + name);
        if (box) { morph(box, e.data); localTimes(box); }
      });
    });
  }
  function searchable(root) {
    // a search box before each long list of people: typing narrows the choices
    root.querySelectorAll("select[data-searchable]").forEach(function (select) {
      if (select._searchable || select.options.length < 8) return;
      select._searchable = true;
      var box = document.createElement("input");
      box.type = "search";
      box.className = "choice-search";
      box.setAttribute("aria-label", "Search the choices of " + (select.labels[0] ? select.labels[0].textContent : "this list"));
      box.placeholder = "Search…";
      box.addEventListener("input", function () {
        var words = box.value.toLowerCase(), first = null;
        Array.prototype.forEach.call(select.options, function (o) {
          var hit = o.textContent.toLowerCase().indexOf(words) >= 0;
          o.hidden = !hit;
          if (hit && !first) first = o;
        });
        if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = first.value;
      });
      select.parentNode.insertBefore(box, select);
    });
  }
  function typing(target) {
    return /INPUT|SELECT|TEXTAREA/.test(target.tagName) || target.isContentEditable;
  }
  function shortcut(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var help = document.getElementById("shortcuts");
    var focusIds = { u: "update-message", s: "status-select", p: "page-target", "/": "f-q" };
    if (e.key === "?" && help) {
      help.open = !help.open;
      if (help.open) help.querySelector("summary").focus();
      e.preventDefault();
    } else if (focusIds[e.key] && document.getElementById(focusIds[e.key])) {
      document.getElementById(focusIds[e.key]).focus();
      e.preventDefault();
    } else {
      var button = document.querySelector('[data-shortcut="' + e.key + '"]');
      if (button) { button.click(); e.preventDefault(); }
    }
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
        form.reset();
        fields(form).forEach(function (f) { f._mine = false; });
        if (button) button.disabled = false;
        var notices = document.getElementById("notices");
        if (notices) notices.innerHTML = "";
        if (!live || live.readyState === 2) location.reload();
        return;
      }
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.getElementById("incident-header")) { document.open(); document.write(html); document.close(); return; }
        ["incident-header", "notices", "incident-primary", "incident-actions", "form-update"].forEach(function (id) { swap(doc, id); });
        var refused = r.status >= 400 && form.id && document.getElementById(form.id);
        if (refused) fields(refused).forEach(function (f) { f._mine = true; });  // the person's values, kept
        searchable(document);
        localTimes(document); tick();
        var bad = document.querySelector("[aria-invalid=true]") || document.querySelector("[role=alert]");
        if (bad) { if (!bad.hasAttribute("tabindex") && !/INPUT|SELECT|TEXTAREA/.test(bad.tagName)) bad.setAttribute("tabindex", "-1"); bad.focus(); }
      });
    }).catch(function () { form.submit(); });
  }
  ["input", "change"].forEach(function (kind) {
    document.addEventListener(kind, function (e) { if (e.target && e.target.id) e.target._mine = true; });
  });
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
    searchable(document);
    document.addEventListener("keydown", shortcut);
    var room = document.querySelector("[data-live]");
    if (room && window.EventSource) follow(room);
  });
})();
