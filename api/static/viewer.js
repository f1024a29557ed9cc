"use strict";
// The document page's two views (the pages with their boxes, the text) and the entity table's links to
// the boxes. Served from /static: the page's policy runs no inline script.
const tabs = document.getElementById("view-tabs");

function show(viewId) {
  if (!tabs) return;
  for (const link of tabs.querySelectorAll("a[data-view]")) {
    const current = link.dataset.view === viewId;
    link.classList.toggle("current", current);
    document.getElementById(link.dataset.view).hidden = !current;
  }
}

if (tabs) {
  tabs.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-view]");
    if (!link) return;
    event.preventDefault();
    show(link.dataset.view);
  });
  show(window.location.hash === "#text-view" ? "text-view" : "pages-view");
}

// Clicking an entity in the table (or Enter on it) scrolls its first box into view and makes it flash.
function goToBox(row) {
  const box = document.querySelector('.entity-box[data-entity-id="' + CSS.escape(row.dataset.entityId) + '"]');
  if (!box) return;
  show("pages-view");
  box.scrollIntoView({ block: "center", inline: "nearest" });
  for (const other of document.querySelectorAll(".entity-box.selected")) other.classList.remove("selected");
  for (const part of document.querySelectorAll('.entity-box[data-entity-id="' + CSS.escape(row.dataset.entityId) + '"]')) {
    part.classList.add("selected");
  }
}

const table = document.getElementById("entities");
if (table) {
  table.addEventListener("click", (event) => {
    const row = event.target.closest("tr.has-box");
    if (row) goToBox(row);
  });
  table.addEventListener("keydown", (event) => {
    const row = event.target.closest("tr.has-box");
    if (row && event.key === "Enter") goToBox(row);
  });
}
