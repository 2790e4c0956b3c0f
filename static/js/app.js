// Progressive enhancement only: every page works without this file.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});
document.documentElement.classList.add("js");
