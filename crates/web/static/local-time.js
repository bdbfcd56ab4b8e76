// Shows every <time datetime="..."> in the browser's own zone, the UTC time kept
// on hover. Optional: without JavaScript the pages show UTC, and work the same.
for (const t of document.querySelectorAll("time[datetime]")) {
  const when = new Date(t.getAttribute("datetime"));
  if (!isNaN(when)) {
    t.title = t.textContent + " UTC";
    t.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  }
}
