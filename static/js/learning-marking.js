// Quick comments on the marking page: one click puts the comment into the 评语 field.
document.querySelectorAll(".quick-comment").forEach(function (button) {
  button.addEventListener("click", function () {
    var field = document.getElementById("comment");
    field.value = field.value ? field.value + " " + button.dataset.comment : button.dataset.comment;
    field.focus();
  });
});
