// Pages that show live state (readiness, an open incident) reload themselves when an element
// carries data-refresh="SECONDS"; without JavaScript they are simply static. Typing in a form
// or a hidden tab pauses the reload.
(function () {
  var holder = document.querySelector("[data-refresh]");
  var seconds = holder && parseInt(holder.getAttribute("data-refresh") || "0", 10);
  if (!seconds) { return; }
  var typing = false;
  document.addEventListener("input", function () { typing = true; });
  setInterval(function () { if (!typing && !document.hidden) { location.reload(); } }, seconds * 1000);
})();
