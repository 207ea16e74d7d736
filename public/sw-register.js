// Registers the service worker that makes Trygg installable. It caches no signed-in data.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
