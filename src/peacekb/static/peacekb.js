/* peacekb: timeline filters. Without this script the timeline page reads as a plain
   chronological list; with it, a form filters the chart and the list together. */
(() => {
  "use strict";
  const form = document.querySelector(".kb-tl-filters");
  if (!form) return;
  const selects = [...form.querySelectorAll("select[data-filter]")];
  const rows = [...document.querySelectorAll(".kb-tl-row.kb-filterable")];
  const marks = [...document.querySelectorAll(".kb-tl-mark")];
  const entries = [...document.querySelectorAll(".kb-timeline-entry")];
  const count = form.querySelector(".kb-tl-count");

  const wanted = () => selects.map((s) => [s.dataset.filter, s.value]).filter(([, v]) => v);
  const matches = (el, filters) =>
    filters.every(([key, value]) => el.classList.contains(`${key}-${value}`));

  function apply() {
    const filters = wanted();
    const rowFilters = filters.filter(([key]) => key !== "k");
    for (const row of rows) row.classList.toggle("kb-dim", !matches(row, rowFilters));
    for (const mark of marks) mark.classList.toggle("kb-hidden", !matches(mark, filters));
    let shown = 0;
    for (const entry of entries) {
      const ok = matches(entry, filters);
      entry.hidden = !ok;
      if (ok) shown += 1;
    }
    for (const section of document.querySelectorAll("section")) {
      const own = section.querySelectorAll(":scope > .kb-timeline-entry");
      if (own.length) section.hidden = ![...own].some((e) => !e.hidden);
    }
    count.textContent = filters.length
      ? `Showing ${shown} of ${entries.length} events.`
      : `Showing all ${entries.length} events.`;
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const s of selects) s.value = "";
    apply();
  });
  apply();
})();
