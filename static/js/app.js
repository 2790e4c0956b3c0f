// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.requestSubmit();
});

// --- The menu button: on a phone the navigation folds away behind it. ------------------------------
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-menu-button]");
  if (!button) return;
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  document.getElementById(button.getAttribute("aria-controls"))?.classList.toggle("open", open);
});

// --- The inbox's selection: select all, a count, the actions only when something is ticked. --------
// The words come translated from the page (data-* on the form, "{n}" for how many): one form for
// 1, the other for more (how both English and French choose, from 1 up).
function selectionWords(form, name, n) {
  const text = form.dataset[`${name}${n === 1 ? "One" : "Other"}`];
  return text ? text.replace("{n}", n) : "";
}

function selectionUpdate(form) {
  const boxes = Array.from(document.querySelectorAll(`input[name="bill"][form="${form.id}"]`));
  const ticked = boxes.filter((box) => box.checked).length;
  const all = document.querySelector("[data-select-all]");
  if (all) {
    all.closest("[data-select-all-label]").hidden = boxes.length === 0;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  const count = form.querySelector("[data-selection-count]");
  if (count) {
    count.textContent = ticked ? selectionWords(form, "selected", ticked) : form.dataset.selectedNone;
  }
  form.querySelector("[data-selection-actions]").hidden = ticked === 0;
  form.classList.toggle("has-selection", ticked > 0);
}

function selectionInit() {
  const form = document.querySelector("form[data-selection]");
  if (form) selectionUpdate(form);
}

document.addEventListener("change", (event) => {
  const el = event.target;
  const form = document.querySelector("form[data-selection]");
  if (!form) return;
  if (el.matches("[data-select-all]")) {
    document.querySelectorAll(`input[name="bill"][form="${form.id}"]`).forEach((box) => {
      box.checked = el.checked;
    });
  }
  if (el.matches("[data-select-all]") || (el.name === "bill" && el.form === form)) selectionUpdate(form);
});

// While the selection is sent, say what is happening (the page is replaced when it is done).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-selection]") || !event.submitter) return;
  const ticked = document.querySelectorAll(`input[name="bill"][form="${form.id}"]:checked`).length;
  const count = form.querySelector("[data-selection-count]");
  const doing = {
    approve: selectionWords(form, "approving", ticked),
    pay: selectionWords(form, "paying", ticked),
    filter: form.dataset.preparingFilter,
  };
  if (count) count.textContent = doing[event.submitter.value] || count.textContent;
  form.setAttribute("aria-busy", "true");
  // Disabled after the browser has read the clicked button's value: a second click sends nothing.
  setTimeout(() => form.querySelectorAll("button").forEach((button) => { button.disabled = true; }));
});

// --- The bill side panel: a dialog that closes with ✕, Esc or a click outside, keeps focus inside
// while open and gives it back to the link that opened it. ------------------------------------------
const drawer = {
  opener: null,
  get el() {
    return document.getElementById("bill-drawer");
  },
  isOpen() {
    const el = this.el;
    return !!el && el.classList.contains("open") && !el.classList.contains("page");
  },
  focusables() {
    const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
    return Array.from(this.el.querySelectorAll(selector)).filter((el) => el.getClientRects().length);
  },
  opened() {
    const el = this.el;
    el.setAttribute("role", "dialog");
    el.setAttribute("aria-modal", "true");
    el.setAttribute("tabindex", "-1");
    document.body.classList.add("drawer-open");
    let backdrop = document.querySelector(".drawer-backdrop");
    if (!backdrop) {
      backdrop = document.createElement("div");
      backdrop.className = "drawer-backdrop";
      backdrop.setAttribute("data-drawer-close", "");
      el.before(backdrop);
    }
    (el.querySelector("[data-drawer-close]") || el).focus();
  },
  close() {
    const el = this.el;
    if (!this.isOpen()) return;
    el.replaceChildren();
    el.className = "drawer";
    ["role", "aria-modal", "tabindex", "aria-labelledby"].forEach((name) => el.removeAttribute(name));
    document.querySelector(".drawer-backdrop")?.remove();
    document.body.classList.remove("drawer-open");
    const opener = this.opener;
    this.opener = null;
    if (opener && opener.isConnected) opener.focus();
  },
};

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  if (elt?.getAttribute("hx-target") === "#bill-drawer" && !drawer.isOpen()) drawer.opener = elt;
});

document.addEventListener("htmx:afterSettle", () => {
  if (!drawer.isOpen()) return;
  if (drawer.el.getAttribute("role") !== "dialog") {
    drawer.opened(); // a bill was just loaded into the panel
  } else if (!drawer.el.contains(document.activeElement)) {
    drawer.el.focus(); // a region inside the panel was replaced while it had the focus
  }
});

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-drawer-close]") && drawer.isOpen()) {
    event.preventDefault();
    drawer.close();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    if (drawer.isOpen()) {
      drawer.close();
      return;
    }
    const button = document.querySelector('[data-menu-button][aria-expanded="true"]');
    if (button) {
      button.click();
      button.focus();
    }
    return;
  }
  if (event.key !== "Tab" || !drawer.isOpen()) return;
  const items = drawer.focusables();
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  const inside = drawer.el.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
});

// Focus that lands outside the open panel (a click on the page behind it) goes back inside.
document.addEventListener("focusin", (event) => {
  if (drawer.isOpen() && !drawer.el.contains(event.target)) drawer.el.focus();
});

// --- A table wider than a phone scrolls inside itself: make it reachable by keyboard too. -----------
function scrollersFocusable() {
  document.querySelectorAll(".table").forEach((table) => {
    const scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.tabIndex = 0;
      table.dataset.scrollFocus = "";
    } else if (!scrolls && "scrollFocus" in table.dataset) {
      table.removeAttribute("tabindex");
      delete table.dataset.scrollFocus;
    }
  });
}

// --- On a phone the pay form's table becomes one card per bill, each value labelled by its column. --
function tablesAsCards() {
  document.querySelectorAll("#pay-form .table, .table[data-cards]").forEach((table) => {
    const labels = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, index) => {
        if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[index] || "");
      });
    });
    table.classList.add("cards");
  });
}

// --- E-invoices: files dropped onto the upload form's drop zone go into its file input. --------------
function dropzonesInit() {
  document.querySelectorAll("[data-dropzone]").forEach((zone) => {
    if (zone.dataset.ready) return;
    zone.dataset.ready = "1";
    const input = zone.querySelector('input[type="file"]');
    if (!input) return;
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
}

function pageReady() {
  selectionInit();
  dropzonesInit();
  tablesAsCards();
  scrollersFocusable();
}

document.addEventListener("DOMContentLoaded", pageReady);
document.addEventListener("htmx:afterSettle", pageReady);
window.addEventListener("resize", scrollersFocusable);
