"use strict";
// Until the document is done or failed, follow its status changes (Server-Sent Events, GET /v1/events)
// and reload when it changes: the page is rendered by the server for each state.
const section = document.getElementById("document");
const finalStatuses = new Set(["done", "failed"]);
if (!finalStatuses.has(section.dataset.status)) {
  const events = new EventSource("/v1/events");
  events.addEventListener("document.status", (event) => {
    const change = JSON.parse(event.data);
    if (change.document_id === section.dataset.id && change.status !== section.dataset.status) {
      events.close();
      window.location.reload();
    }
  });
  // A change made between the page's rendering and the stream's start: read the status once it is open.
  events.addEventListener("open", async () => {
    const response = await fetch("/v1/documents/" + encodeURIComponent(section.dataset.id));
    if (response.ok && (await response.json()).status !== section.dataset.status) {
      events.close();
      window.location.reload();
    }
  });
}
