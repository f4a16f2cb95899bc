// Keeps what was typed on the attendance form if the connection drops: every
// change is saved in localStorage, tagged with the attendance the page showed
// (data-recorded). On the next load, a draft made on the same attendance was
// never saved, so it is put back; a draft older than what the server now holds
// (the save went through) is dropped. Loaded as a file: the CSP forbids inline
// script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-key]");
  if (!form) return;
  var key = form.getAttribute("data-draft-key");
  var recorded = form.getAttribute("data-recorded") || "";
  var notice = document.querySelector(".attendance-restored");
  var ticked = form.querySelector(".attendance-ticked");

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "submit";
    });
  }

  function snapshot() {
    var values = {}, present = [];
    fields().forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) present.push(el.value); }
      else values[el.name] = el.value;
    });
    return { recorded: recorded, values: values, present: present };
  }

  function count() {
    if (!ticked) return;
    var n = form.querySelectorAll("input[name=present]:checked").length;
    ticked.textContent = n === 0 ? "" : "(" + n + (n === 1 ? " cochée)" : " cochées)");
  }

  function save() {
    var store = storage();
    count();
    if (!store) return;
    try { store.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full or denied */ }
  }

  function restore() {
    var store = storage();
    if (!store || form.getAttribute("data-refused")) return;
    var raw = store.getItem(key);
    if (!raw) return;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { store.removeItem(key); return; }
    if (!draft || draft.recorded !== recorded) { store.removeItem(key); return; }
    fields().forEach(function (el) {
      if (el.type === "checkbox") el.checked = draft.present.indexOf(el.value) !== -1;
      else if (Object.prototype.hasOwnProperty.call(draft.values, el.name)) el.value = draft.values[el.name];
    });
    // A breakdown put back must be seen: open its section.
    Array.prototype.forEach.call(form.querySelectorAll("details"), function (section) {
      var filled = Array.prototype.some.call(section.querySelectorAll("input"), function (el) {
        return el.value !== "";
      });
      if (filled) section.open = true;
    });
    if (notice) notice.hidden = false;
  }

  restore();
  count();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
