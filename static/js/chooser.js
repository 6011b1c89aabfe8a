/* Searchable chooser (core/choosers.py, core/widgets.py).
 *
 * Progressive enhancement of <select data-chooser-url="…">: the server renders only the chosen
 * option(s); this script hides the <select>, puts a search box with a dropdown in its place, fetches
 * `?q=` results as JSON ({results: [{id, text}], more}) and writes every pick back into the <select>,
 * so the form posts the same field as before. Single and multiple choice; keyboard: ↓/↑ move, Enter
 * picks, Esc closes, Backspace in an empty box removes the last chosen item (multiple choice).
 */
(function () {
  "use strict";

  var seq = 0;
  var DELAY = 200;

  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "className") node.className = props[key];
      else node.setAttribute(key, props[key]);
    });
    return node;
  }

  function Chooser(select) {
    seq += 1;
    this.select = select;
    this.multiple = select.multiple;
    this.text = select.dataset;
    this.id = (select.id || "chooser-" + seq) + "-search";
    this.listId = this.id + "-list";
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.build();
  }

  Chooser.prototype.build = function () {
    var select = this.select;
    var self = this;
    this.box = el("div", { className: "chooser" + (this.multiple ? " chooser-multiple" : "") });
    this.chips = el("ul", { className: "chooser-chips" });
    this.input = el("input", {
      type: "text",
      id: this.id,
      className: "chooser-input",
      role: "combobox",
      autocomplete: "off",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": this.listId,
      placeholder: this.text.chooserPlaceholder || ""
    });
    var empty = select.querySelector('option[value=""]');
    if (empty && !/^-+$/.test(empty.text.trim())) this.input.placeholder = empty.text; // "All", "All stores"
    if (select.required) {
      this.input.setAttribute("aria-required", "true");
      select.required = false; // the server checks it; a hidden required <select> would block the form silently
    }
    if (select.getAttribute("aria-invalid")) this.input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    this.list = el("ul", { id: this.listId, className: "chooser-list", role: "listbox" });
    this.list.hidden = true;
    if (this.multiple) {
      this.list.setAttribute("aria-multiselectable", "true");
      this.box.appendChild(this.chips);
    }
    this.box.appendChild(this.input);
    this.box.appendChild(this.list);
    select.parentNode.insertBefore(this.box, select);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      label.htmlFor = this.id;
      label.id = label.id || this.id + "-label";
      this.list.setAttribute("aria-labelledby", label.id);
    }
    this.showChosen();

    this.input.addEventListener("input", function () { self.schedule(); });
    this.input.addEventListener("focus", function () {
      if (!self.multiple) self.input.select();
    });
    this.input.addEventListener("click", function () { if (self.list.hidden) self.search(); });
    this.input.addEventListener("keydown", function (event) { self.key(event); });
    this.input.addEventListener("blur", function () {
      window.setTimeout(function () { self.leave(); }, 150);
    });
    this.list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.list.addEventListener("click", function (event) {
      var item = event.target.closest("li[data-index]");
      if (item) self.pick(Number(item.dataset.index));
    });
  };

  /* The chosen options of the <select>: chips (multiple) or the text in the box (single). */
  Chooser.prototype.chosen = function () {
    return Array.prototype.filter.call(this.select.options, function (o) { return o.selected && o.value !== ""; });
  };

  Chooser.prototype.showChosen = function () {
    var self = this;
    if (!this.multiple) {
      var current = this.chosen()[0];
      this.input.value = current ? current.text : "";
      return;
    }
    this.chips.textContent = "";
    this.chosen().forEach(function (option) {
      var chip = el("li", { className: "chooser-chip" });
      chip.appendChild(el("span", { text: option.text }));
      var remove = el("button", {
        type: "button",
        className: "chooser-remove",
        "aria-label": (self.text.chooserRemove || "Remove") + " " + option.text,
        text: "×"
      });
      remove.addEventListener("click", function () {
        self.select.removeChild(option);
        self.changed();
        self.input.focus();
      });
      chip.appendChild(remove);
      self.chips.appendChild(chip);
    });
  };

  Chooser.prototype.changed = function () {
    this.showChosen();
    this.select.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Chooser.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.search(); }, DELAY);
  };

  Chooser.prototype.search = function () {
    var self = this;
    var url = new URL(this.select.dataset.chooserUrl, window.location.href);
    var query = this.input.value.trim();
    var current = this.chosen()[0];
    if (!this.multiple && current && query === current.text) query = ""; // the box shows the choice: list all
    url.searchParams.set("q", query);
    if (this.request) this.request.abort();
    this.request = new AbortController();
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: this.request.signal })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { self.render(data.results || [], Boolean(data.more), query); })
      .catch(function (error) {
        if (error.name !== "AbortError") self.render([], false, query, self.text.chooserError);
      });
  };

  Chooser.prototype.render = function (results, more, query, message) {
    var self = this;
    var empty = this.select.querySelector('option[value=""]');
    var taken = {};
    this.chosen().forEach(function (o) { taken[o.value] = true; });
    this.results = results.map(function (r) { return { id: String(r.id), text: r.text }; });
    if (!this.multiple && empty && !query) this.results.unshift({ id: "", text: empty.text });
    this.list.textContent = "";
    this.results.forEach(function (result, index) {
      var item = el("li", {
        id: self.listId + "-" + index,
        role: "option",
        className: "chooser-option",
        "data-index": String(index),
        "aria-selected": taken[result.id] ? "true" : "false",
        text: result.text
      });
      self.list.appendChild(item);
    });
    if (!this.results.length) {
      this.list.appendChild(el("li", { className: "chooser-note", text: message || this.text.chooserNone || "" }));
    }
    if (more) this.list.appendChild(el("li", { className: "chooser-note", text: this.text.chooserMore || "" }));
    this.active = this.results.length ? 0 : -1;
    this.open();
    this.highlight();
  };

  Chooser.prototype.open = function () {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Chooser.prototype.close = function (restore) {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
    if (restore && !this.multiple) this.showChosen();
  };

  /* Leaving the box: an emptied single choice falls back to its empty option ("All", "All stores"). */
  Chooser.prototype.leave = function () {
    if (document.activeElement === this.input) return;
    var empty = this.select.querySelector('option[value=""]');
    if (!this.multiple && empty && !this.input.value.trim() && this.chosen().length) {
      this.select.value = "";
      this.changed();
    }
    this.close(true);
  };

  Chooser.prototype.highlight = function () {
    var self = this;
    Array.prototype.forEach.call(this.list.querySelectorAll(".chooser-option"), function (item, index) {
      item.classList.toggle("active", index === self.active);
      if (index === self.active) {
        self.input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
  };

  Chooser.prototype.pick = function (index) {
    var result = this.results[index];
    if (!result) return;
    var select = this.select;
    if (this.multiple) {
      var present = Array.prototype.some.call(select.options, function (o) { return o.value === result.id; });
      if (!present) select.appendChild(new Option(result.text, result.id, true, true));
      this.input.value = "";
    } else {
      Array.prototype.slice.call(select.options).forEach(function (o) {
        if (o.value !== "") select.removeChild(o);
      });
      if (result.id === "") select.value = "";
      else select.appendChild(new Option(result.text, result.id, true, true));
    }
    this.close(false);
    this.changed();
  };

  Chooser.prototype.key = function (event) {
    var open = !this.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { this.search(); return; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      var count = this.results.length;
      if (count) this.active = (this.active + step + count) % count;
      this.highlight();
    } else if (event.key === "Enter") {
      if (open && this.active >= 0) {
        event.preventDefault(); // pick, do not submit the form
        this.pick(this.active);
      }
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); this.close(true); }
    } else if (event.key === "Backspace" && this.multiple && !this.input.value) {
      var last = this.chosen().pop();
      if (last) { this.select.removeChild(last); this.changed(); }
    }
  };

  function enhance(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-chooser-url]"), function (select) {
      if (!select.dataset.chooserReady) {
        select.dataset.chooserReady = "1";
        new Chooser(select);
      }
    });
  }

  window.ShopCrewChooser = { enhance: enhance };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { enhance(); });
  else enhance();
})();
