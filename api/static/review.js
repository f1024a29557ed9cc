"use strict";
// Review mode on a done document's page, used from the keyboard: move through the entities, accept,
// reject or relabel the current one, add a selected piece of text as an entity or move the current one
// onto it, and mark the document reviewed. Every action is one call to the review API (api/review.py);
// the page then reloads, so what it shows is what the server stored, and comes back in review mode at
// the same entity. Served from /static: the page's policy runs no inline script.
const panel = document.getElementById("review-panel");

if (panel) {
  const documentId = panel.dataset.documentId;
  const stateKey = "contract-ner-review:" + documentId;
  const controls = document.getElementById("review-controls");
  const toggle = document.getElementById("review-toggle");
  const labelSelect = document.getElementById("review-label");
  const message = document.getElementById("review-message");
  const rows = Array.from(document.querySelectorAll("#entities tbody tr[data-entity-id]"));
  let reviewing = false;
  let current = -1;

  function say(text) {
    message.textContent = text; // never HTML: it may quote the document
  }

  function select(index) {
    for (const marked of document.querySelectorAll(".review-current")) marked.classList.remove("review-current");
    if (rows.length === 0) {
      current = -1;
      return;
    }
    current = Math.max(0, Math.min(index, rows.length - 1));
    const row = rows[current];
    row.classList.add("review-current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    labelSelect.value = row.dataset.label;
    const selector = 'mark.entity[data-entity-id="' + CSS.escape(row.dataset.entityId) + '"]';
    for (const mark of document.querySelectorAll(selector)) mark.classList.add("review-current");
    const mark = document.querySelector(selector);
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  function enter(index) {
    reviewing = true;
    controls.hidden = false;
    document.body.classList.add("reviewing");
    // The text view is where text can be selected to add or re-anchor an entity.
    const textTab = document.querySelector('#view-tabs a[data-view="text-view"]');
    if (textTab) textTab.click();
    select(index);
  }

  function leave() {
    reviewing = false;
    controls.hidden = true;
    document.body.classList.remove("reviewing");
    for (const marked of document.querySelectorAll(".review-current")) marked.classList.remove("review-current");
    sessionStorage.removeItem(stateKey);
  }

  // Character offsets into the document's text of a point in the text view: the text view shows the text
  // exactly, apart from the page markers and the entities' label tags, which are not part of it.
  function textOffset(node, offset) {
    const root = document.getElementById("document-text");
    if (!root || !root.contains(node)) return null;
    if (node.nodeType !== Node.TEXT_NODE) {
      // A point between children: the offset of the text that follows it.
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      let count = 0;
      const boundary = document.createRange();
      boundary.setStart(node, offset);
      while (walker.nextNode()) {
        const text = walker.currentNode;
        if (boundary.comparePoint(text, 0) >= 0) return count;
        if (!text.parentElement.closest(".page-marker, .entity-label")) count += text.length;
      }
      return count;
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let count = 0;
    while (walker.nextNode()) {
      const text = walker.currentNode;
      const skipped = text.parentElement.closest(".page-marker, .entity-label");
      if (text === node) return skipped ? count : count + offset;
      if (!skipped) count += text.length;
    }
    return null;
  }

  function selectedSpan() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const start = textOffset(range.startContainer, range.startOffset);
    const end = textOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    return { start: start, end: end };
  }

  async function call(method, path, body) {
    say("");
    const options = { method: method, headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/v1/documents/" + encodeURIComponent(documentId) + path, options);
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const answer = await response.json();
        detail = typeof answer.detail === "string" ? answer.detail : JSON.stringify(answer.detail);
      } catch (error) {
        // not JSON: the status text says enough
      }
      say(response.status + ": " + detail);
      return false;
    }
    sessionStorage.setItem(stateKey, JSON.stringify({ index: current }));
    window.location.reload();
    return true;
  }

  function currentEntity() {
    return current >= 0 ? rows[current].dataset.entityId : null;
  }

  const actions = {
    a: () => currentEntity() && call("POST", "/entities/" + currentEntity() + "/confirm"),
    x: () => currentEntity() && call("POST", "/entities/" + currentEntity() + "/reject"),
    Delete: () => actions.x(),
    l: () => labelSelect.focus(),
    n: () => {
      const span = selectedSpan();
      if (!span) return say("Select the text to add first.");
      return call("POST", "/entities", { label: labelSelect.value, start: span.start, end: span.end });
    },
    e: () => {
      const span = selectedSpan();
      if (!currentEntity()) return say("No entity to move.");
      if (!span) return say("Select the text to move the entity to first.");
      return call("PATCH", "/entities/" + currentEntity(), { start: span.start, end: span.end });
    },
    m: () => call("POST", "/reviewed"),
    j: () => select(current + 1),
    ArrowDown: () => select(current + 1),
    k: () => select(current - 1),
    ArrowUp: () => select(current - 1),
    Escape: () => leave(),
  };

  // In the label list, Enter changes the current entity's label (or keeps it for the next added span).
  labelSelect.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const entity = currentEntity();
      if (entity && labelSelect.value !== rows[current].dataset.label) {
        call("PATCH", "/entities/" + entity, { label: labelSelect.value });
      } else if (rows[current]) {
        rows[current].focus();
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (rows[current]) rows[current].focus();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    if (!reviewing) {
      if (event.key === "r") {
        event.preventDefault();
        enter(0);
      }
      return;
    }
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  toggle.addEventListener("click", () => (reviewing ? leave() : enter(0)));
  document.getElementById("mark-reviewed").addEventListener("click", () => actions.m());
  for (const [index, row] of rows.entries()) {
    row.addEventListener("click", () => reviewing && select(index));
  }

  // Back from an action's reload: in review mode, at the same place.
  const saved = sessionStorage.getItem(stateKey);
  if (saved !== null) {
    try {
      enter(JSON.parse(saved).index);
    } catch (error) {
      sessionStorage.removeItem(stateKey);
    }
  }
}
