// Shows every <time datetime="..."> in the browser's own zone, the UTC time kept
// on hover, and renames the headers that say "(UTC)" to the zone shown. Optional:
// without JavaScript the pages show UTC, say so, and work the same.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local time";
for (const t of document.querySelectorAll("time[datetime]")) {
  const when = new Date(t.getAttribute("datetime"));
  if (!isNaN(when)) {
    t.title = t.textContent + " UTC";
    t.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  }
}
for (const th of document.querySelectorAll("th[data-zone]")) {
  th.textContent = th.textContent.replace("(UTC)", "(" + zone + ")");
}
