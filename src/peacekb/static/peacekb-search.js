/* peacekb: one result per page, and snippets made of the article's own words.
 *
 * Loaded (deferred) on the search page only, between Sphinx's searchtools.js, which defines
 * `Search`, and the search index, whose arrival runs the page's query (see the theme's
 * search.html). Without `Search` it does nothing: the search then works as Sphinx's own.
 */
"use strict";
(() => {
  if (typeof Search === "undefined") return;

  // Words that are not the article's: the theme's buttons and menus, forms and their options
  // (a <select> reads as its options glued together), drawn charts, permalink marks, and the
  // page's heading, which the result's link already shows.
  const NOT_TEXT = [
    ".headerlink",
    "script",
    "style",
    "template",
    "noscript",
    "form",
    "select",
    "button",
    "input",
    "textarea",
    "svg",
    ".kb-js-only",
    "h1",
    // the evidence boxes' titles ("1 source, 2 quotes"), badges and kind labels
    "summary",
    ".sd-summary-title",
    ".sd-badge",
    ".kb-kind",
    ".kb-badge",
    // the home page's cards, the map's marks and legends, the overview's counts
    ".sd-card",
    ".kb-map",
    ".kb-map-legend",
    ".kb-chart-data",
    ".kb-scroll-hint",
  ].join(", ");

  // Sphinx returns results worst first (it shows them from the end) and keeps one per page,
  // title, anchor and description: a record found by its title, a section and an index entry
  // came back three times. Keep each page's best result only.
  const performSearch = Search._performSearch;
  Search._performSearch = (...args) => {
    const results = performSearch(...args);
    const seen = new Set();
    const kept = [];
    for (let i = results.length - 1; i >= 0; i -= 1) {
      const page = results[i][0];
      if (!seen.has(page)) {
        seen.add(page);
        kept.push(results[i]);
      }
    }
    return kept.reverse();
  };

  // The text a snippet is cut from: the article (or the anchored part of it), without the
  // page chrome that the theme puts inside [role=main] around it.
  Search.htmlToText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    const main = page.querySelector('[role="main"]') || page.body;
    if (!main) return "";
    const article = main.querySelector("article") || main;
    article.querySelectorAll(NOT_TEXT).forEach((element) => element.remove());
    const part = anchor ? page.getElementById(anchor.slice(1)) : null;
    const block = part && article.contains(part) ? part : article;
    return block.textContent.replace(/\s+/g, " ").trim();
  };

  // From file:// the browser refuses to fetch the result pages that snippets are cut from:
  // show the results without snippets rather than empty room and an error.
  if (window.location.protocol === "file:") {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  }

  // Sphinx keeps the search words for whatever page opens next, to highlight them there; keep
  // them only for a result followed from this page, not for the next page visited later.
  const KEY = "sphinx_highlight_terms";
  let words = null;
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (...args) => {
    const parsed = parseQuery(...args);
    words = localStorage.getItem(KEY);
    localStorage.removeItem(KEY);
    return parsed;
  };
  document.addEventListener("click", (event) => {
    if (words && event.target.closest && event.target.closest("#search-results a")) {
      localStorage.setItem(KEY, words);
    }
  });
})();
