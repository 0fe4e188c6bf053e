// Pages that show live state (readiness, an open incident) reload themselves every minute
// when they carry data-refresh="SECONDS" on <body>'s <main>; without JavaScript they are
// simply static. Typing in a form pauses the reload.
(function () {
  var main = document.getElementById("main");
  var seconds = main && parseInt(main.getAttribute("data-refresh") || "0", 10);
  if (!seconds) { return; }
  var typing = false;
  document.addEventListener("input", function () { typing = true; });
  setInterval(function () { if (!typing && !document.hidden) { location.reload(); } }, seconds * 1000);
})();
