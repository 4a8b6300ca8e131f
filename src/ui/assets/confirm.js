// Asks before something that cannot be undone, in a modal <dialog>: resolves true for Yes.
import {h} from "./dom.js";

export function confirmAction({title, message, yes = "Delete"}) {
  return new Promise((resolve) => {
    const dialog = h("dialog", {"data-test": "confirm", "aria-labelledby": "confirm-title",
                                "aria-describedby": "confirm-message"});
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const no = h("button", {type: "button", class: "button", "data-test": "confirm-no",
                            onclick: () => finish(false)}, "Cancel");
    dialog.append(
      h("h2", {id: "confirm-title"}, title),
      h("p", {id: "confirm-message"}, message),
      h("div", {class: "dialog-actions"}, no,
        h("button", {type: "button", class: "button danger", "data-test": "confirm-yes",
                     onclick: () => finish(true)}, yes)));
    // Escape closes a modal dialog by itself: that is a No.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();  // the safe answer first
  });
}
