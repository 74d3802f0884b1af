// Suggestions while typing in "Online-Dienst suchen": the ARIA 1.2 combobox pattern
// with a listbox. Without JavaScript the field stays a plain search field and the
// form's "Suchen" does the same work, so everything here is an addition.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("q-vorschlaege");
  const status = document.getElementById("q-status");
  if (!input || !list || !status || !window.fetch) {
    return;
  }
  const endpoint = input.dataset.suggestions;
  const MIN_LENGTH = 2;
  let items = [];
  let active = -1;
  let request = null;
  let timer = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(suggestion) {
    window.location.assign(suggestion.url);
  }

  function highlight(index) {
    active = index;
    Array.from(list.children).forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    const option = list.children[index];
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function show(suggestions) {
    close();
    items = suggestions;
    suggestions.forEach((suggestion, i) => {
      const option = document.createElement("li");
      option.id = "q-vorschlag-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = suggestion.name;
      if (suggestion.authority) {
        const authority = document.createElement("span");
        authority.className = "suggestion-authority";
        authority.textContent = " – " + suggestion.authority;
        option.appendChild(authority);
      }
      // Keep the focus in the field, so a click is not lost to its blur.
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(suggestion));
      list.appendChild(option);
    });
    if (suggestions.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    // The words come from the page (data-*), so they are in the page's language.
    const words = status.dataset;
    status.textContent = suggestions.length === 0 ? words.none
      : (suggestions.length === 1 ? words.one : words.many.replace("{n}", String(suggestions.length)));
  }

  function load() {
    const query = input.value.trim();
    if (request) {
      request.abort();
    }
    if (query.length < MIN_LENGTH) {
      close();
      status.textContent = "";
      return;
    }
    request = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(query), {
      signal: request.signal, headers: { Accept: "application/json" }, credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : { suggestions: [] }))
      .then((data) => {
        // An answer to an older input would show the wrong names.
        if (input.value.trim() === query) {
          show(data.suggestions);
        }
      })
      .catch(() => {});  // aborted or offline: the form still works
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(items[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
})();
