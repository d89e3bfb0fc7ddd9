/* Share links: a Copy button for the link, and the phone's own share sheet where there is
   one. Without this script the links and the address to copy are all still there. */
(function () {
  "use strict";

  function copyWithSelection(input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("[data-share]").forEach(function (box) {
    var input = box.querySelector("[data-share-url]");
    var copy = box.querySelector("[data-share-copy]");
    var status = box.querySelector("[data-share-status]");
    var native = box.querySelector("[data-share-native]");

    input.addEventListener("focus", function () { input.select(); });

    copy.hidden = false;
    copy.addEventListener("click", function () {
      var copied = function () { status.textContent = "Link copied. Paste it wherever you like."; };
      var manual = function () {
        if (copyWithSelection(input)) {
          copied();
        } else {
          input.focus();
          input.select();
          status.textContent = "The link is selected: copy it with your keyboard or a long press.";
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(copied, manual);
      } else {
        manual();
      }
    });

    if (native && navigator.share) {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: native.dataset.title, text: native.dataset.text, url: input.value })
          .catch(function () { /* the visitor closed the share sheet */ });
      });
    }
  });
})();
