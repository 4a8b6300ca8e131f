// Sign-in: a user name and password, checked by the registry's own token service (or, with
// basic auth, by the session endpoint).
import {currentSession, signIn} from "./api.js";
import {h, replace} from "./dom.js";

export async function renderLogin(main, {reason, next, onSignedIn}) {
  const session = currentSession();
  if (session && session.auth === "none") {
    replace(main, h("h1", {tabindex: "-1"}, "Sign in"),
      h("p", {class: "notice"}, "This registry has no users: everyone may see everything. ",
        h("a", {href: "/ui/"}, "See the repositories")));
    main.dataset.state = "ready";
    return;
  }
  // In the page only after a failure, so that its presence says one happened.
  const error = h("p", {class: "notice error", "data-test": "login-error", role: "alert"});
  const errorSlot = h("div");
  const username = h("input", {id: "login-username", name: "username", type: "text", autocomplete: "username",
                               required: true, autocapitalize: "none", spellcheck: "false"});
  const password = h("input", {id: "login-password", name: "password", type: "password",
                               autocomplete: "current-password", required: true});
  const submit = h("button", {type: "submit", class: "button primary"}, "Sign in");
  const form = h("form", {id: "login", class: "card login", "aria-labelledby": "login-title"},
    h("div", {class: "card-body"},
      h("h1", {id: "login-title", tabindex: "-1"}, "Sign in"),
      reason ? h("p", {class: "muted"}, reason) : null,
      errorSlot,
      h("div", {class: "field"}, h("label", {for: "login-username"}, "User name"), username),
      h("div", {class: "field"}, h("label", {for: "login-password"}, "Password"), password),
      h("div", {class: "form-actions"}, submit)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.remove();
    submit.disabled = true;
    main.dataset.state = "loading";
    try {
      await signIn(username.value.trim(), password.value);
      onSignedIn(next);
    } catch (failure) {
      error.textContent = failure.status === 401
        ? "Wrong user name or password."
        : failure.status === 429 ? "Too many attempts: wait a moment and try again."
        : `Signing in failed: ${failure.message}`;
      errorSlot.append(error);
      main.dataset.state = "ready";
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(main, form);
  main.dataset.state = "ready";
  username.focus();
}
