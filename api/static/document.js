"use strict";
// Until the document is done or failed, poll its status and reload when it changes.
const section = document.getElementById("document");
async function poll() {
  try {
    const response = await fetch("/v1/documents/" + encodeURIComponent(section.dataset.id));
    if (response.ok) {
      const doc = await response.json();
      if (doc.status !== section.dataset.status) {
        window.location.reload();
        return;
      }
    }
  } catch (error) {
    // A restarting API: try again on the next tick.
  }
  window.setTimeout(poll, 1500);
}
window.setTimeout(poll, 1500);
