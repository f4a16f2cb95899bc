// A section of a joint answer, while it is open in the browser (progressive
// enhancement: without JavaScript the page works, drafts are kept on the server
// when a save is refused, and presence is shown as of the page's loading).
//
// - Presence: the page asks the server every few seconds who else has the section
//   open (#presence, data-presence-url), which also says that this person still has.
// - Local drafts: what is typed is kept in this browser's localStorage as it is
//   typed; coming back with text that was never saved (tab closed, session
//   expired), the page offers it back. A page whose text equals the draft (it was
//   saved) forgets it.
(function () {
  "use strict";

  function presence() {
    var box = document.getElementById("presence");
    if (!box || !window.fetch) return;
    var url = box.getAttribute("data-presence-url");
    var every = Math.max(5, parseInt(box.getAttribute("data-presence-ping"), 10) || 20) * 1000;
    function ping() {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) box.innerHTML = html; })
        .catch(function () {});
    }
    window.setInterval(ping, every);
    document.addEventListener("visibilitychange", ping);
  }

  function storage() {
    try {
      var probe = "__ensemble__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null;
    }
  }

  function drafts() {
    var banner = document.getElementById("brouillon-local");
    var form = document.querySelector("form[data-draft-form]");
    var store = storage();
    if (!banner || !form || !store) return;
    var textarea = form.querySelector("textarea");
    if (!textarea) return;
    var key = banner.getAttribute("data-draft-key");

    function read() {
      try { return JSON.parse(store.getItem(key) || "null"); } catch (error) { return null; }
    }
    function keep() {
      try {
        store.setItem(key, JSON.stringify({ body: textarea.value, at: new Date().toISOString() }));
      } catch (error) { /* storage full: the server keeps refused saves */ }
    }

    // Compared as text: the server's cleaning may rewrite the markup of a saved text.
    function plain(html) { return (html || "").replace(/<[^>]*>/g, "").replace(/\s+/g, ""); }
    var kept = read();
    if (kept && plain(kept.body) === plain(textarea.value)) {
      store.removeItem(key);  // saved since: nothing to offer
    } else if (kept && plain(kept.body)) {
      var title = document.createElement("p");
      title.className = "status missing";
      title.textContent = banner.getAttribute("data-draft-title") + " (" +
        new Date(kept.at).toLocaleString(document.documentElement.lang || "fr") + ")";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.className = "button";
      restore.textContent = banner.getAttribute("data-draft-restore");
      restore.addEventListener("click", function () {
        textarea.value = kept.body;
        textarea.dispatchEvent(new CustomEvent("rich-editor:reload"));
        banner.hidden = true;
      });
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "button button-secondary";
      dismiss.textContent = banner.getAttribute("data-draft-dismiss");
      dismiss.addEventListener("click", function () {
        store.removeItem(key);
        banner.hidden = true;
      });
      var actions = document.createElement("div");
      actions.className = "inline-actions";
      actions.appendChild(restore);
      actions.appendChild(dismiss);
      banner.appendChild(title);
      banner.appendChild(actions);
      banner.hidden = false;
    }
    // The rich editor copies its content into the textarea on every input first.
    form.addEventListener("input", keep);
    form.addEventListener("submit", keep);
  }

  // Live counter of a section with a length limit (#compteur): the readable text,
  // spaces included, in characters or words, as the funder counts it.
  function counter() {
    var box = document.getElementById("compteur");
    var form = document.querySelector("form[data-draft-form]");
    if (!box || !form) return;
    var textarea = form.querySelector("textarea");
    var unit = box.getAttribute("data-limit-unit");
    var limit = parseInt(box.getAttribute("data-limit-value"), 10);
    var label = box.getAttribute("data-counter-label");
    var over = box.getAttribute("data-counter-over");
    function readable(html) {
      var doc = new DOMParser().parseFromString(html || "", "text/html");
      var parts = [];
      doc.body.querySelectorAll("h1,h2,h3,h4,h5,h6,p,li").forEach(function (el) {
        if (!el.querySelector("p,li")) parts.push(el.textContent.trim());
      });
      if (!parts.length) parts.push(doc.body.textContent.trim());
      return parts.filter(Boolean).join(" ").replace(/\s+/g, " ");
    }
    function update() {
      var text = readable(textarea.value);
      // Characters as the server counts them (AapSection.length): code points of the
      // composed text, not UTF-16 units (an emoji is one, « é » typed e + accent one).
      var count = unit === "words" ? (text ? text.split(" ").length : 0) :
        Array.from(text.normalize("NFC")).length;
      var number = count.toLocaleString("fr-FR") + "\u00a0" + label + " / " +
        limit.toLocaleString("fr-FR");
      box.textContent = count > limit ? number + " — " + over : number;
      box.classList.toggle("over", count > limit);
    }
    form.addEventListener("input", update);
    update();
  }

  presence();
  drafts();
  counter();
})();
