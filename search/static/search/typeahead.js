/* Type-ahead for search boxes that carry data-suggest-url (no inline scripts: CSP). */
(function () {
  "use strict";

  function setup(input) {
    var url = input.getAttribute("data-suggest-url");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!url || !list) return;
    var timer = null;
    var active = -1;
    var lastQuery = "";
    var controller = null;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(text) {
      input.value = text;
      close();
      if (input.form) input.form.submit();
    }

    function render(items) {
      list.innerHTML = "";
      active = -1;
      if (!items.length) { close(); return; }
      items.forEach(function (text, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = text;
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(text);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.querySelectorAll("li");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (!q) { close(); return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("li")[active].textContent);
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(setup);
})();
