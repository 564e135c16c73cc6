// Pages that refresh themselves poll with htmx (hx-trigger="every 20s, poll-now" on an element
// marked data-poll). While the tab is hidden their requests are dropped; when it is shown
// again they ask at once, so a phone woken at 3 a.m. shows what is true now.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (document.hidden && event.detail.elt.hasAttribute("data-poll")) event.preventDefault();
});
document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  for (const element of document.querySelectorAll("[data-poll]")) htmx.trigger(element, "poll-now");
});
