// Applies a new text size at once when the preferences form saves in place (htmx sends the
// size in an HX-Trigger event). Without JavaScript the page reloads with the size applied.
document.addEventListener("textSizeChanged", (event) => {
  const size = event.detail && event.detail.value;
  if (size === "standard" || size === "large") {
    document.documentElement.classList.remove("text-standard", "text-large");
    document.documentElement.classList.add(`text-${size}`);
  }
});
