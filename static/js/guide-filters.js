/* Guides page: the Current stage list shows only the chosen job's stages (the server does the
   same after Filter; this keeps the list short before it). */
(function () {
  "use strict";
  var job = document.getElementById("id_job");
  var stage = document.getElementById("id_stage");
  if (!job || !stage) { return; }
  function sync() {
    var title = job.value ? job.options[job.selectedIndex].text : "";
    Array.prototype.forEach.call(stage.querySelectorAll("optgroup"), function (group) {
      var show = !title || group.label === title;
      group.hidden = !show;
      group.disabled = !show;
    });
    var chosen = stage.options[stage.selectedIndex];
    if (chosen && chosen.parentNode.disabled) { stage.value = ""; }
  }
  job.addEventListener("change", sync);
  sync();
})();
