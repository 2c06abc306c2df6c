/* peacekb: the timeline's filters, and the hint by a chart or a table that has to scroll
   sideways.

   Without this script the timeline page reads as a plain chronological list; with it, a form
   filters the chart and the list together. The choices live in the page's address
   (timeline.html?operation=…&place=…&kind=…&period=…, each select's name), so that a filtered
   view survives a reload, can be shared, and Back returns to the previous one. */
(() => {
  "use strict";

  // -- a box that scrolls sideways says so, only while it does ------------------------------
  // The participation chart's box carries its hint and its label; the tables the theme wraps
  // in a scrolling box get them here.
  const boxes = [
    ...document.querySelectorAll(".kb-pt-scroll, article .pst-scrollable-table-container"),
  ];
  const headingOf = (box) => {
    const section = box.closest("section");
    const heading = section && section.querySelector(":scope > h1, :scope > h2, :scope > h3");
    if (!heading) return "";
    return [...heading.childNodes]
      .filter((n) => !(n.classList && n.classList.contains("headerlink")))
      .map((n) => n.textContent)
      .join("")
      .trim();
  };
  // A chart's hint stands under it; a table's, which may be long, above it.
  const hints = new Map();
  for (const box of boxes) {
    const near = [box.nextElementSibling, box.previousElementSibling];
    let hint = near.find((e) => e && e.classList.contains("kb-scroll-hint"));
    if (!hint) {
      hint = document.createElement("p");
      hint.className = "kb-scroll-hint";
      hint.setAttribute("aria-hidden", "true");
      hint.textContent = "Scroll the table sideways to see all its columns.";
      box.before(hint);
    }
    hints.set(box, hint);
  }
  const check = () => {
    for (const box of boxes) {
      const over = box.scrollWidth > box.clientWidth + 1;
      hints.get(box).classList.toggle("kb-shown", over);
      if (over && !box.hasAttribute("role")) {
        // A box that scrolls is a stop for the keyboard: name it for a screen reader.
        const caption = box.querySelector("caption");
        const name = (caption && caption.textContent.trim()) || headingOf(box);
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${name ? `${name}: ` : ""}table (scrolls sideways)`);
        box.setAttribute("tabindex", "0");
      }
    }
  };
  if (boxes.length) {
    if ("ResizeObserver" in window) {
      const observer = new ResizeObserver(check);
      for (const box of boxes) observer.observe(box);
    } else {
      window.addEventListener("resize", check);
    }
    check();
  }

  // -- the timeline ----------------------------------------------------------------------
  const form = document.querySelector(".kb-tl-filters");
  if (!form) return;
  const selects = [...form.querySelectorAll("select[data-filter]")];
  const period = form.querySelector('select[data-filter="p"]');
  const rows = [...document.querySelectorAll(".kb-tl-row.kb-filterable")];
  const marks = [...document.querySelectorAll(".kb-tl-mark")];
  const entries = [...document.querySelectorAll(".kb-timeline-entry")];
  const plot = document.querySelector(".kb-tl-plot");
  const svg = plot && plot.querySelector(".kb-tl-svg");
  const views = [...document.querySelectorAll(".kb-tl-view")];
  const count = form.querySelector(".kb-tl-count");

  const wanted = () => selects.map((s) => [s.dataset.filter, s.value]).filter(([, v]) => v);
  const matches = (el, filters) =>
    filters.every(([key, value]) => el.classList.contains(`${key}-${value}`));

  // The page's own contents list: a year whose entries are all hidden leaves it too.
  function tocLink(id) {
    return [...document.querySelectorAll(".bd-toc a[href^='#'], .page-toc a[href^='#']")].filter(
      (a) => a.getAttribute("href") === `#${id}`,
    );
  }

  // Zoom: the plot's SVG is as many times wider than its box as the whole axis is longer than
  // the period, and shifted so that the period fills the box.
  function zoom() {
    if (!plot || !svg) return;
    const first = Number(plot.dataset.first);
    const last = Number(plot.dataset.last);
    const option = period && period.selectedOptions[0];
    let from = first;
    let to = last;
    if (option && option.value && option.dataset.start && option.dataset.end) {
      from = Number(option.dataset.start);
      to = Number(option.dataset.end);
    }
    const span = to - from;
    if (!(span > 0)) return;
    svg.style.width = `${((last - first) / span) * 100}%`;
    svg.style.marginLeft = `${(-(from - first) / span) * 100}%`;
    const key = option ? option.value : "";
    for (const view of views) view.classList.toggle("kb-off", view.dataset.view !== key);
  }

  function apply() {
    const filters = wanted();
    const rowFilters = filters.filter(([key]) => key === "m" || key === "c");
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
      if (!own.length) continue;
      section.hidden = ![...own].some((e) => !e.hidden);
      if (section.id) {
        for (const link of tocLink(section.id)) {
          const item = link.closest("li");
          if (item) item.hidden = section.hidden;
        }
      }
    }
    zoom();
    count.textContent = filters.length
      ? `Showing ${shown} of ${entries.length} events.`
      : `Showing all ${entries.length} events.`;
  }

  // -- the address -----------------------------------------------------------------------
  function fromAddress() {
    const query = new URLSearchParams(window.location.search);
    for (const select of selects) {
      const value = query.get(select.name) || "";
      const known = [...select.options].some((o) => o.value === value);
      select.value = known ? value : "";
    }
  }

  function toAddress() {
    const query = new URLSearchParams(window.location.search);
    for (const select of selects) {
      if (select.value) query.set(select.name, select.value);
      else query.delete(select.name);
    }
    const search = query.toString();
    const url = `${window.location.pathname}${search ? `?${search}` : ""}${window.location.hash}`;
    const now = `${window.location.pathname}${window.location.search}${window.location.hash}`;
    if (url !== now) window.history.pushState({ kbTimeline: true }, "", url);
  }

  form.addEventListener("change", () => {
    apply();
    toAddress();
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    for (const s of selects) s.value = "";
    apply();
    toAddress();
  });
  window.addEventListener("popstate", () => {
    fromAddress();
    apply();
  });
  fromAddress();
  apply();
})();
