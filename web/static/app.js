// A canned reply chosen in a <select data-fills="ID"> is put into the text box ID, to be edited
// before sending; a <select data-submits> (the pages' language) submits its form. The only
// script of our own; everything else is htmx.
document.addEventListener("change", (event) => {
  const fills = event.target.closest("select[data-fills]");
  if (fills && fills.value) {
    const box = document.getElementById(fills.dataset.fills);
    box.value = fills.value;
    box.focus();
  }
  const submits = event.target.closest("select[data-submits]");
  if (submits) submits.form.requestSubmit();
});
