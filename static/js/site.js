// Under DEBUG, django-htmx adds a helper that shows any 400 response as the whole page (for
// Django's error pages). Here a 400 is a form sent back with what to fix, swapped in place as
// in production, so it must not reach that helper: stopped on its way down, htmx still swaps it.
document.addEventListener(
  "htmx:beforeOnLoad",
  (event) => {
    if (event.detail && event.detail.xhr && event.detail.xhr.status === 400) event.stopPropagation();
  },
  true,
);

// Applies a new text size at once when the preferences form saves in place (htmx sends the
// size in an HX-Trigger event). Without JavaScript the page reloads with the size applied.
document.addEventListener("textSizeChanged", (event) => {
  const size = event.detail && event.detail.value;
  if (size === "standard" || size === "large") {
    document.documentElement.classList.remove("text-standard", "text-large");
    document.documentElement.classList.add(`text-${size}`);
  }
});

// The reading-level selector (templates/articles/article_detail.html, `data-audience-selector`).
// Without JavaScript it is a plain form; these only improve the htmx version.
(() => {
  const FEEDBACK_SECONDS = 5;
  let feedbackTimer = null;

  const shownAudience = () => {
    const variant = document.getElementById("variant");
    return variant ? variant.dataset.audience : "";
  };

  // Give the history entry the page opened with its `?audience=`, so Back from a swapped
  // version returns to the version first shown (the server would otherwise pick the reader's
  // choice, which the swap just changed). The `htmx: true` state makes htmx restore the entry
  // from the server on popstate, as it does for the entries it pushes itself.
  const recordShownAudience = () => {
    const slug = shownAudience();
    if (!slug || !document.querySelector("[data-audience-selector]")) return;
    const url = new URL(window.location.href);
    if (url.searchParams.get("audience") === slug) return;
    url.searchParams.set("audience", slug);
    window.history.replaceState({ ...(window.history.state || {}), htmx: true }, "", url);
  };

  // Links marked `data-next-follows-location` (e.g. "Sign in to save") return the reader to
  // the URL they are on now, version included, even after a swap changed it.
  const updateNextLinks = () => {
    const here = window.location.pathname + window.location.search;
    for (const link of document.querySelectorAll("a[data-next-follows-location]")) {
      const url = new URL(link.href, window.location.href);
      // A link the server gave no `next` (the sign-in page's own) stays as it is.
      if (!url.searchParams.has("next")) continue;
      url.searchParams.set("next", here);
      link.href = url.pathname + url.search + url.hash;
    }
  };

  // A visible "Now showing the … version." next to the selector for a few seconds after a
  // swap (the text below may be out of sight). Focus stays on the radio; the polite live
  // region still announces the change for screen readers.
  const confirmSwap = (form) => {
    const feedback = form.querySelector("[data-selector-feedback]");
    const slug = CSS.escape(shownAudience());
    const radio = form.querySelector(`input[name="audience"][value="${slug}"]`);
    const label = radio && radio.closest("label").querySelector(".choice-label");
    if (!feedback || !label) return;
    feedback.textContent = `Now showing the ${label.textContent.trim().toLowerCase()} version.`;
    feedback.hidden = false;
    // On a desktop the selector often ends at the bottom of the window: bring the
    // confirmation into view with the least scrolling, which keeps the radio in view too.
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    feedback.scrollIntoView({ block: "nearest", behavior: still ? "auto" : "smooth" });
    clearTimeout(feedbackTimer);
    feedbackTimer = setTimeout(() => {
      feedback.hidden = true;
    }, FEEDBACK_SECONDS * 1000);
  };

  // `detail.elt` is the element that settled (the new #variant, the announcer); the form that
  // asked is `requestConfig.elt`.
  document.addEventListener("htmx:afterSettle", (event) => {
    const form = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    const settled = event.detail && event.detail.elt;
    if (
      form instanceof Element &&
      form.matches("[data-audience-selector]") &&
      settled instanceof Element &&
      settled.id === "variant"
    ) {
      confirmSwap(form);
    }
  });
  for (const name of ["htmx:pushedIntoHistory", "htmx:replacedInHistory", "htmx:historyRestore"]) {
    document.addEventListener(name, updateNextLinks);
  }
  recordShownAudience();
  updateNextLinks();

  // The follow-up question form records the reading level the reader is viewing: after a swap
  // that is the new one (without JavaScript the page reloads with it).
  const syncReadingLevel = () => {
    const slug = shownAudience();
    for (const input of document.querySelectorAll('[data-ask-form] input[name="reading_level"]')) {
      if (slug) input.value = slug;
    }
  };
  document.addEventListener("htmx:afterSettle", syncReadingLevel);
  syncReadingLevel();
})();

// Checklists in an article (`ul.checklist`, articles/checklists.py). Without JavaScript they are
// plain lists. Here each item gets a tick box; the ticks are kept in this browser only
// (localStorage, one entry per article and reading level), never sent to the server: nothing
// here makes a request. If storage is unavailable (private browsing), ticks last the page.
(() => {
  const PREFIX = "isoapp-checklist:";
  let boxes = 0;

  const keyFor = (variant) => `${PREFIX}${window.location.pathname}:${variant.dataset.audience || ""}`;

  const load = (key) => {
    try {
      return new Set(JSON.parse(window.localStorage.getItem(key) || "[]"));
    } catch {
      return new Set();
    }
  };

  const store = (key, ticked) => {
    try {
      if (ticked.size) window.localStorage.setItem(key, JSON.stringify([...ticked]));
      else window.localStorage.removeItem(key);
    } catch {
      // Storage full or blocked: the tick stays on the page only.
    }
  };

  const itemKey = (item) => item.textContent.replace(/\s+/g, " ").trim();

  const announce = (words) => {
    const announcer = document.getElementById("announcer");
    if (announcer) announcer.textContent = words;
  };

  const note = (variant, key) => {
    const paragraph = document.createElement("p");
    paragraph.className = "checklist-note";
    const words = document.createElement("span");
    words.textContent = "Your ticks stay in this browser: they are not sent to us.";
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "link-button";
    clear.textContent = "Clear my ticks";
    clear.addEventListener("click", () => {
      for (const box of variant.querySelectorAll(".checklist input[type=checkbox]")) {
        box.checked = false;
      }
      store(key, new Set());
      announce("Your ticks are cleared.");
    });
    paragraph.append(words, " ", clear);
    return paragraph;
  };

  const enhance = (root) => {
    if (!(root instanceof Element || root instanceof Document)) return;
    const lists = [...root.querySelectorAll("ul.checklist:not([data-enhanced])")];
    if (root instanceof Element && root.matches("ul.checklist:not([data-enhanced])")) lists.push(root);
    const noted = new Set();
    for (const list of lists) {
      const variant = list.closest("[data-audience]") || document.body;
      const key = keyFor(variant);
      const ticked = load(key);
      for (const item of list.querySelectorAll(":scope > li")) {
        const text = itemKey(item);
        const box = document.createElement("input");
        box.type = "checkbox";
        boxes += 1;
        box.id = `checklist-item-${boxes}`;
        box.checked = ticked.has(text);
        const label = document.createElement("label");
        label.htmlFor = box.id;
        label.append(...item.childNodes);
        item.append(box, label);
        box.addEventListener("change", () => {
          const now = load(key);
          if (box.checked) now.add(text);
          else now.delete(text);
          store(key, now);
        });
      }
      list.dataset.enhanced = "";
      if (!noted.has(variant) && !variant.querySelector(".checklist-note")) {
        // Before the first checklist, or before the heading right above it.
        let place = variant.querySelector("ul.checklist");
        const above = place.previousElementSibling;
        if (above && /^H[2-6]$/.test(above.tagName)) place = above;
        place.before(note(variant, key));
        noted.add(variant);
      }
    }
  };

  document.addEventListener("htmx:load", (event) => enhance(event.detail && event.detail.elt));
  enhance(document);
})();
