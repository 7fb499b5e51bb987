// The PEMAT-P form on the review page (templates/admin/articles/revision/_pemat.html): shows
// both scores as the reviewer rates the items. The server computes them again when the ratings
// are recorded, so without JavaScript nothing is lost but this running count.
(() => {
  const DOMAIN_NAMES = { understandability: "Understandability", actionability: "Actionability" };

  const update = (form) => {
    const threshold = Number(form.dataset.threshold || 70);
    for (const domain of form.querySelectorAll("[data-pemat-domain]")) {
      const key = domain.dataset.pematDomain;
      const output = domain.querySelector(`[data-pemat-score="${key}"]`);
      if (!output) continue;
      const items = domain.querySelectorAll(".pemat-item");
      let agree = 0;
      let applicable = 0;
      let rated = 0;
      for (const item of items) {
        const chosen = item.querySelector("input[type=radio]:checked");
        if (!chosen) continue;
        rated += 1;
        if (chosen.value === "agree") agree += 1;
        if (chosen.value === "agree" || chosen.value === "disagree") applicable += 1;
      }
      const name = DOMAIN_NAMES[key] || key;
      if (!applicable) {
        output.textContent = `${name}: no item rated Agree or Disagree yet (${rated} of ${items.length} rated).`;
        output.classList.remove("pemat-live-low");
        continue;
      }
      const percent = Math.round((1000 * agree) / applicable) / 10;
      const low = agree * 100 < threshold * applicable;
      output.textContent =
        `${name}: ${percent} % (${agree} of ${applicable} items rated Agree or Disagree; ` +
        `${rated} of ${items.length} rated)` +
        (low ? `, under ${threshold} %.` : ".");
      output.classList.toggle("pemat-live-low", low);
    }
  };

  for (const form of document.querySelectorAll("[data-pemat-form]")) {
    form.addEventListener("change", () => update(form));
    update(form);
  }
})();
