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

// The revision editor in the admin (templates/admin/articles/revision/change_form.html).
// Without JavaScript every preview shows the text as last saved; these only improve on that.
(() => {
  const PREVIEWS = "textarea[data-markdown-preview]";

  const panelOf = (textarea) =>
    textarea.closest(".editor-pair").querySelector(".editor-preview-panel");

  // Say only what is wrong with a text, and only when that changes: the preview itself is not
  // a live region, so typing is never drowned in announcements.
  const announce = (panel) => {
    const status = panel.querySelector("[data-preview-status]");
    const summary = panel.querySelector("[data-preview-summary]");
    const words = summary ? summary.dataset.previewSummary : "";
    if (status && status.dataset.said !== words) {
      status.dataset.said = words;
      status.textContent = words;
    }
  };

  const note = (panel, words) => {
    const preview = panel.querySelector(".editor-preview");
    let problem = preview.querySelector(".editor-preview-problem");
    if (!problem) {
      problem = document.createElement("p");
      problem.className = "editor-preview-problem";
      preview.prepend(problem);
    }
    problem.textContent = words;
  };

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.matches && event.target.matches(".editor-preview")) {
      announce(event.target.closest(".editor-preview-panel"));
    }
  });

  // A failed request leaves the last preview in place and says why, in words.
  const failed = (event, words) => {
    const elt = event.detail && event.detail.elt;
    if (elt && elt.matches && elt.matches(PREVIEWS)) note(panelOf(elt), words);
  };
  document.addEventListener("htmx:responseError", (event) => {
    const code = event.detail.xhr ? event.detail.xhr.status : "";
    const why =
      code === 403
        ? "You are signed out, or may no longer edit this revision: save to keep your text."
        : `The preview could not be updated (error ${code}). Your text is not affected.`;
    failed(event, why);
  });
  document.addEventListener("htmx:sendError", (event) =>
    failed(event, "The preview could not be updated: the connection failed. Your text is not affected."),
  );

  // A text the browser restored (Back, reload) differs from what the server rendered.
  const refreshRestored = () => {
    for (const textarea of document.querySelectorAll(PREVIEWS)) {
      if (textarea.name.includes("__prefix__")) continue;
      if (textarea.value !== textarea.defaultValue && window.htmx) {
        window.htmx.trigger(textarea, "editor-preview-refresh");
      }
    }
  };

  // A version added with "Add another": Django's inlines.js numbers the copy's id and name, not
  // the htmx attributes that name the field; then htmx has to learn about the new element.
  document.addEventListener("formset:added", (event) => {
    const row = event.target;
    for (const textarea of row.querySelectorAll(PREVIEWS)) {
      textarea.setAttribute("hx-params", `csrfmiddlewaretoken,${textarea.name}`);
    }
    if (window.htmx) window.htmx.process(row);
    labelSourcePickers(row);
  });

  // The source picker (select2) names its combobox after the chosen source only: add the
  // label of the select it stands for, so it is announced as "Source, <chosen source>".
  const labelSourcePickers = (root) => {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const label = select.labels && select.labels[0];
      const combobox = select.parentElement.querySelector(".select2-selection[role=combobox]");
      if (!label || !combobox) continue;
      if (!label.id) label.id = `${select.id}_label`;
      const named = (combobox.getAttribute("aria-labelledby") || "").split(" ");
      if (!named.includes(label.id)) {
        combobox.setAttribute("aria-labelledby", [label.id, ...named].join(" ").trim());
      }
    }
  };

  // Its search box has no label, and the combobox names the list it opens only with the older
  // aria-owns: give both, on each opening (select2 builds the box anew).
  const SEARCH_LABEL = "Search sources by title, short name, authors, DOI or PMID";
  if (window.django && window.django.jQuery) {
    window.django.jQuery(document).on("select2:open", (event) => {
      const select = event.target;
      const container = select.parentElement.querySelector(".select2-container");
      const combobox = container && container.querySelector("[role=combobox]");
      const results = combobox && combobox.getAttribute("aria-owns");
      if (results) combobox.setAttribute("aria-controls", results);
      for (const search of document.querySelectorAll(".select2-container--open .select2-search__field")) {
        search.setAttribute("aria-label", SEARCH_LABEL);
        search.setAttribute("placeholder", "Title, short name, authors, DOI or PMID");
      }
    });
  }

  window.addEventListener("load", () => {
    refreshRestored();
    labelSourcePickers(document);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) refreshRestored();
  });
})();
