// NeuronLens dashboard: small progressive enhancements. Every page works without this file.
"use strict";

(function () {
  // Seek the call's audio player to a transcript line or an evidence quote.
  function seekTo(seconds) {
    var audio = document.getElementById("call-audio");
    if (!audio || isNaN(seconds)) return;
    audio.currentTime = seconds;
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: still seeked */ });
    markLine(seconds);
  }

  function markLine(seconds) {
    var lines = document.querySelectorAll("#transcript .line");
    var current = null;
    for (var i = 0; i < lines.length; i++) {
      var start = parseFloat(lines[i].dataset.start);
      if (start <= seconds + 0.05) current = lines[i];
    }
    for (var j = 0; j < lines.length; j++) {
      lines[j].classList.toggle("playing", lines[j] === current);
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (target) {
      // Let the link move to its anchor too; the player follows.
      seekTo(parseFloat(target.dataset.seek));
      return;
    }
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.querySelector(copy.dataset.copy);
      if (field) {
        field.select();
        if (navigator.clipboard) navigator.clipboard.writeText(field.value);
        copy.textContent = "Copied";
      }
    }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var audio = document.getElementById("call-audio");
    if (audio) {
      audio.addEventListener("timeupdate", function () { markLine(audio.currentTime); });
    }
  });
})();
