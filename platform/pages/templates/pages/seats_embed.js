/* 考位实时余量 embedded in a portal page: an iframe of the platform's seat board where this script stands. */
(function () {
  "use strict";
  var here = document.currentScript;
  var frame = document.createElement("iframe");
  frame.src = {{ board_url|safe }};
  frame.title = "考位实时余量";
  frame.loading = "lazy";
  frame.style.cssText = "width:100%;min-height:480px;border:0;";
  frame.setAttribute("height", (here && here.getAttribute("data-height")) || "640");
  if (here && here.parentNode) { here.parentNode.insertBefore(frame, here); } else { document.body.appendChild(frame); }
})();
