// Search suggestions as you type (progressive enhancement; the search form works without it).
//
// Any form that submits GET /search with a `q` box gets an ARIA 1.2 combobox: the box
// controls a listbox of titles from /api/v1/suggest; arrow keys move through it, Enter
// opens the occupation chosen (or submits the search if none is chosen), Escape closes it.
// If the script or the API fails, the form still submits normally.
(function () {
  "use strict";
  if (!window.fetch || !document.querySelectorAll) return;

  var counter = 0;

  function enhance(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input || input.getAttribute("role") === "combobox") return;
    var endpoint = form.getAttribute("data-suggest") || "/api/v1/suggest";
    var id = "suggest-" + (++counter);
    var list = document.createElement("ul");
    list.id = id;
    list.className = "suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested job titles");
    list.hidden = true;
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    if (getComputedStyle(form).position === "static") form.style.position = "relative";
    input.insertAdjacentElement("afterend", list);
    form.appendChild(live);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.setAttribute("autocomplete", "off");

    var items = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(i) {
      var opts = list.children;
      for (var k = 0; k < opts.length; k++) {
        opts[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        if (opts[i].scrollIntoView) opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(i) {
      var s = items[i];
      if (!s) return;
      window.location.href = "/occupations/" + encodeURIComponent(s.code);
    }

    function render(suggestions) {
      items = suggestions;
      list.textContent = "";
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.textContent = s.label;
        var meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = s.label === s.title ? s.code : s.title + " · " + s.code;
        li.appendChild(label);
        li.appendChild(meta);
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          go(i);
        });
        list.appendChild(li);
      });
      if (suggestions.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        live.textContent = suggestions.length + " suggestion" + (suggestions.length === 1 ? "" : "s") + "; use the arrow keys to choose.";
      } else {
        close();
        live.textContent = "";
      }
      active = -1;
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q.trim().length < 2) {
        render([]);
        return;
      }
      var mine = ++seq;
      fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (mine === seq && document.activeElement === input) render(data.suggestions || []);
        })
        .catch(function () { /* the plain form still works */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (e) {
      var n = items.length;
      if (e.key === "ArrowDown") {
        if (list.hidden && n) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (n) { highlight((active + 1) % n); e.preventDefault(); }
      } else if (e.key === "ArrowUp") {
        if (n) { highlight(active <= 0 ? n - 1 : active - 1); e.preventDefault(); }
      } else if (e.key === "Enter") {
        if (!list.hidden && active >= 0) { e.preventDefault(); go(active); }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    var forms = document.querySelectorAll('form[action="/search"], form[data-suggest]');
    for (var i = 0; i < forms.length; i++) enhance(forms[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
