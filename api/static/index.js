"use strict";
// Everything from the API is written with textContent or as attribute values: never parsed as HTML.
const steps = JSON.parse(document.getElementById("progress-steps").textContent);
const finalStatuses = new Set(JSON.parse(document.getElementById("final-statuses").textContent));
const tbody = document.querySelector("#documents tbody");
const message = document.getElementById("upload-message");

function localTime(element, iso) {
  element.dateTime = iso;
  element.textContent = new Date(iso).toLocaleString();
}

function fillRow(row, doc) {
  const status = String(doc.status).replace(/[^a-z]/g, "");
  row.dataset.id = doc.id;
  row.dataset.status = status;
  const link = row.querySelector(".document-link");
  link.href = "/documents/" + encodeURIComponent(doc.id);
  link.textContent = doc.filename || doc.id;
  const badge = row.querySelector(".status");
  badge.className = "status status-" + status;
  badge.textContent = status + (doc.error_code ? " (" + doc.error_code + ")" : "");
  row.querySelector("progress").value = steps[status] ?? 0;
  row.querySelector(".pages").textContent = doc.page_count ?? "";
  row.querySelector(".entities").textContent = doc.entity_count ?? "";
  const total = doc.timings && doc.timings.total_s;
  row.querySelector(".seconds").textContent = total == null ? "" : total.toFixed(1);
  localTime(row.querySelector("time"), doc.created_at);
}

async function refreshRow(id) {
  const response = await fetch("/v1/documents/" + encodeURIComponent(id));
  if (!response.ok) return;
  const doc = await response.json();
  let row = tbody.querySelector('tr[data-id="' + CSS.escape(doc.id) + '"]');
  if (!row) {
    document.getElementById("no-documents")?.remove();
    row = document.getElementById("row-template").content.firstElementChild.cloneNode(true);
    tbody.prepend(row);
  }
  fillRow(row, doc);
}

// Live progress: the tenant's status changes arrive as Server-Sent Events (GET /v1/events); the browser's
// EventSource reconnects by itself and resumes with Last-Event-ID, so nothing is polled.
function followProgress() {
  const events = new EventSource("/v1/events");
  events.addEventListener("document.status", (event) => {
    const change = JSON.parse(event.data);
    const row = tbody.querySelector('tr[data-id="' + CSS.escape(change.document_id) + '"]');
    if (row && row.dataset.status === change.status && !finalStatuses.has(change.status)) return;
    refreshRow(change.document_id).catch(() => undefined);
  });
  // The stream starts from the moment it opens: rows rendered before that are read once then.
  events.addEventListener("open", () => {
    const pending = [...tbody.querySelectorAll("tr.document-row")].filter((r) => !finalStatuses.has(r.dataset.status));
    pending.forEach((row) => refreshRow(row.dataset.id).catch(() => undefined));
  });
}

document.getElementById("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("upload-file");
  const button = document.getElementById("upload-button");
  button.disabled = true;
  const problems = [];
  for (const file of input.files) {
    const body = new FormData();
    body.append("file", file);
    try {
      const response = await fetch("/v1/documents", { method: "POST", body });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        problems.push(file.name + ": " + (data.detail || response.statusText));
        continue;
      }
      await refreshRow(data.id);
    } catch (error) {
      problems.push(file.name + ": " + error);
    }
  }
  message.className = problems.length ? "message-error" : "muted";
  message.textContent = problems.length ? problems.join("; ") : "Uploaded: processing starts in the background.";
  input.value = "";
  button.disabled = false;
});

document.querySelectorAll("#documents time").forEach((t) => localTime(t, t.dateTime));
followProgress();
