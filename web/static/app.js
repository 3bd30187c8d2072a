// A canned reply chosen in a <select data-fills="ID"> is put into the text box ID, to be edited
// before sending. The only script of our own; everything else is htmx.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-fills]");
  if (!select || !select.value) return;
  const box = document.getElementById(select.dataset.fills);
  box.value = select.value;
  box.focus();
});
