/* Settings › Brand: the swatch beside the colour field follows what is typed (a #rrggbb or
   #rgb value); the server still checks the format and the contrast on Save or Preview. */
(function () {
  "use strict";
  var input = document.getElementById("id_brand_color");
  var swatch = document.querySelector(".swatch");
  if (!input || !swatch) { return; }
  input.addEventListener("input", function () {
    var value = input.value.trim();
    if (value && value.charAt(0) !== "#") { value = "#" + value; }
    if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value)) { swatch.style.background = value; }
  });
})();
