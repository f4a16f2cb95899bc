// A small formatting editor for the rich-text fields (AAP sections).
//
// Progressive enhancement: without JavaScript the <textarea> stays and accepts
// the few HTML tags the server keeps. With it, the textarea is hidden and an
// editable area with a toolbar (headings, paragraphs, bold, italics, lists,
// links) writes into it. The server sanitises whatever arrives (nh3); the
// cleaning below only keeps the editor showing what will be stored.
(function () {
  "use strict";

  var KEEP = { H2: 1, H3: 1, H4: 1, P: 1, BR: 1, UL: 1, OL: 1, LI: 1, STRONG: 1, EM: 1, A: 1, BLOCKQUOTE: 1 };
  var RENAME = { B: "STRONG", I: "EM", DIV: "P", H1: "H2", H5: "H4", H6: "H4" };
  var SAFE_LINK = /^(https?:|mailto:)/i;

  // Copies the allowed part of a parsed tree into `target` (a document fragment).
  function cleanInto(source, target, doc) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(doc.createTextNode(node.nodeValue));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      var name = RENAME[node.tagName] || node.tagName;
      if (name === "SCRIPT" || name === "STYLE") return;
      if (!KEEP[name]) {
        cleanInto(node, target, doc); // keep the text of an unknown element
        return;
      }
      var copy = doc.createElement(name);
      if (name === "A") {
        var href = (node.getAttribute("href") || "").trim();
        if (!SAFE_LINK.test(href)) {
          cleanInto(node, target, doc);
          return;
        }
        copy.setAttribute("href", href);
      }
      cleanInto(node, copy, doc);
      target.appendChild(copy);
    });
  }

  function cleanHtml(html) {
    // DOMParser builds an inert document: nothing in it runs or loads.
    var parsed = new DOMParser().parseFromString("<body>" + (html || "") + "</body>", "text/html");
    var fragment = document.createDocumentFragment();
    cleanInto(parsed.body, fragment, document);
    var holder = document.createElement("div");
    holder.appendChild(fragment);
    return holder.innerHTML;
  }

  function enhance(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var labels = JSON.parse(textarea.getAttribute("data-rich-editor"));

    var editor = document.createElement("div");
    editor.className = "rich-editor";

    var toolbar = document.createElement("div");
    toolbar.className = "rich-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", labels.toolbar);
    toolbar.setAttribute("aria-controls", textarea.id + "-editor");

    var area = document.createElement("div");
    area.id = textarea.id + "-editor";
    area.className = "rich rich-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    if (label) {
      label.id = label.id || textarea.id + "-label";
      area.setAttribute("aria-labelledby", label.id);
      label.addEventListener("click", function () { area.focus(); });
    }
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (textarea.hasAttribute(name)) area.setAttribute(name, textarea.getAttribute(name));
    });
    area.innerHTML = cleanHtml(textarea.value) || "<p><br></p>";

    function sync() {
      textarea.value = cleanHtml(area.innerHTML);
    }

    function command(name, value) {
      area.focus();
      document.execCommand(name, false, value);
      sync();
    }

    var buttons = [
      [labels.paragraph, function () { command("formatBlock", "<p>"); }],
      [labels.heading, function () { command("formatBlock", "<h3>"); }],
      [labels.subheading, function () { command("formatBlock", "<h4>"); }],
      [labels.bold, function () { command("bold"); }, "strong"],
      [labels.italic, function () { command("italic"); }, "em"],
      [labels.bullets, function () { command("insertUnorderedList"); }],
      [labels.numbers, function () { command("insertOrderedList"); }],
      [labels.link, function () {
        var url = window.prompt(labels.link_prompt, "https://");
        if (url && SAFE_LINK.test(url.trim())) command("createLink", url.trim());
      }],
      [labels.unlink, function () { command("unlink"); }],
    ];
    buttons.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "rich-tool";
      if (spec[2]) {
        var mark = document.createElement(spec[2]);
        mark.textContent = spec[0];
        button.appendChild(mark);
      } else {
        button.textContent = spec[0];
      }
      // Keep the selection in the editable area when the button is pressed.
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", spec[1]);
      toolbar.appendChild(button);
    });

    document.execCommand("defaultParagraphSeparator", false, "p");
    area.addEventListener("input", sync);
    area.addEventListener("blur", sync);
    area.addEventListener("paste", function (event) {
      // Pasted office documents bring styles and spans: keep only what is stored.
      var html = event.clipboardData && event.clipboardData.getData("text/html");
      if (!html) return;
      event.preventDefault();
      document.execCommand("insertHTML", false, cleanHtml(html));
      sync();
    });
    if (textarea.form) textarea.form.addEventListener("submit", sync);
    // A draft put back into the textarea (aap-section.js) is shown in the editor.
    textarea.addEventListener("rich-editor:reload", function () {
      area.innerHTML = cleanHtml(textarea.value) || "<p><br></p>";
    });

    editor.appendChild(toolbar);
    editor.appendChild(area);
    textarea.hidden = true;
    textarea.parentNode.insertBefore(editor, textarea.nextSibling);
  }

  document.querySelectorAll("textarea[data-rich-editor]").forEach(enhance);
})();
