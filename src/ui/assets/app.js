// The app: loads the session, draws the header, and routes /ui/... paths to their views on the
// client (history.pushState), so that every view has a stable URL that reloads to itself.
import {ApiError, currentSession, loadSession, signOut, signedInUser} from "./api.js";
import {announce, h, replace} from "./dom.js";
import {renderImage} from "./view-image.js";
import {renderLogin} from "./view-login.js";
import {renderMirrors} from "./view-mirrors.js";
import {renderRepositories} from "./view-repositories.js";
import {renderStorage} from "./view-storage.js";
import {renderTags} from "./view-tags.js";

const main = document.getElementById("view");
let rendering = 0;  // the latest navigation; an older one that finishes late draws nothing
let navigated = false;  // no focus move on the first load: the skip link comes first

// What a path shows. Repository names hold slashes: the LAST /tags/ or /manifests/ wins.
export function parseRoute(pathname) {
  let path = pathname.replace(/\/+$/, "");
  if (path === "" || path === "/ui") return {view: "repositories"};
  if (!path.startsWith("/ui/")) return {view: "not-found"};
  path = path.slice(4);
  if (path === "login") return {view: "login"};
  if (path === "mirrors") return {view: "mirrors"};
  if (path === "storage") return {view: "storage"};
  if (path === "repositories") return {view: "repositories"};
  if (!path.startsWith("repositories/")) return {view: "not-found"};
  const rest = path.slice("repositories/".length);
  const decode = (text) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const marker = Math.max(rest.lastIndexOf("/tags/"), rest.lastIndexOf("/manifests/"));
  if (marker > 0) {
    const repo = decode(rest.slice(0, marker));
    const tail = rest.slice(marker + 1);
    const [kind, ...reference] = tail.split("/");
    if (reference.length === 1 && reference[0]) {
      return {view: "image", repo, reference: decode(reference[0]), by: kind === "tags" ? "tag" : "digest"};
    }
  }
  return {view: "tags", repo: decode(rest)};
}

export function navigate(url, {replace = false} = {}) {
  if (replace) {
    history.replaceState(null, "", url);
  } else {
    history.pushState(null, "", url);
  }
  render();
}

function link(href, text, props = {}) {
  return h("a", {href, ...props}, text);
}

function drawHeader() {
  const session = currentSession();
  const nav = document.getElementById("nav");
  const path = location.pathname;
  const current = (prefix) => (prefix === "repositories"
    ? path === "/" || path === "/ui" || path === "/ui/" || path.startsWith("/ui/repositories")
    : path.startsWith(`/ui/${prefix}`)) ? "page" : null;
  const items = [link("/ui/", "Repositories", {"aria-current": current("repositories")})];
  if (session && session.features && (session.features.mirror || session.features.sync)) {
    items.push(link("/ui/mirrors", "Mirrors", {"aria-current": current("mirrors")}));
  }
  if (session && session.admin) {
    items.push(link("/ui/storage", "Storage", {"aria-current": current("storage")}));
  }
  nav.replaceChildren(...items);

  const account = document.getElementById("account");
  account.replaceChildren();
  if (!session || session.auth === "none") return;
  const user = session.user || signedInUser();
  if (user) {
    account.append(
      h("span", {class: "user", "data-test": "user", title: "Signed in"}, user),
      h("button", {type: "button", class: "button ghost", "data-test": "logout", onclick: () => {
        signOut();
        loadSession().catch(() => {}).finally(() => {
          navigate("/ui/");
          announce("Signed out");
        });
      }}, "Sign out"));
  } else {
    const next = encodeURIComponent(location.pathname + location.search);
    account.append(link(`/ui/login?next=${next}`, "Sign in", {class: "button ghost", "data-test": "login-link"}));
  }
}

// Shown in the view when something could not be loaded.
function showError(error) {
  const message = error instanceof ApiError
    ? (error.status === 403 ? "You may not see this." : error.message)
    : `Something went wrong: ${error.message}`;
  const title = error instanceof ApiError && error.status === 404 ? "Not found" : "Could not load this page";
  replace(main, 
    h("h1", {tabindex: "-1"}, title),
    h("p", {class: "notice error", "data-test": "error", role: "alert"}, message,
      error instanceof ApiError && error.code ? h("span", {class: "muted"}, ` (${error.code})`) : null),
    h("p", {}, h("a", {href: "/ui/"}, "Back to the repositories")));
  main.dataset.state = "error";
}

export async function render() {
  const ticket = ++rendering;
  const route = parseRoute(location.pathname);
  document.getElementById("status").textContent = "";  // news of the previous view
  drawHeader();
  main.dataset.state = "loading";
  main.setAttribute("aria-busy", "true");
  const context = {
    navigate,
    session: currentSession(),
    // Views check this before drawing, after each await.
    current: () => ticket === rendering,
    // A view whose data needs a signed-in user shows the sign-in form in its place.
    needSignIn: () => renderLogin(main, {navigate, reason: "Sign in to see this page.",
                                         next: location.pathname + location.search,
                                         onSignedIn: afterSignIn}),
  };
  try {
    switch (route.view) {
      case "repositories":
        await renderRepositories(main, context);
        break;
      case "tags":
        await renderTags(main, context, route.repo);
        break;
      case "image":
        await renderImage(main, context, route);
        break;
      case "mirrors":
        await renderMirrors(main, context);
        break;
      case "storage":
        await renderStorage(main, context);
        break;
      case "login":
        await renderLogin(main, {navigate, next: new URLSearchParams(location.search).get("next"),
                                 onSignedIn: afterSignIn});
        break;
      default:
        throw new ApiError(404, "", "There is no such page.");
    }
    if (!context.current()) return;
    main.dataset.state = "ready";
  } catch (error) {
    if (!context.current()) return;
    if (error instanceof ApiError && error.status === 401) {
      await context.needSignIn();
      main.dataset.state = "ready";
    } else {
      showError(error);
    }
  } finally {
    if (context.current()) main.removeAttribute("aria-busy");
  }
  if (!context.current()) return;
  const heading = main.querySelector("h1");
  if (heading && navigated) heading.focus({preventScroll: true});
  navigated = true;
  document.title = heading ? `${heading.textContent} · regmirror` : "regmirror";
}

function afterSignIn(next) {
  drawHeader();
  navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/ui/");
}

// Same-origin links to app pages change the view without a reload; a modified click (new
// tab, new window) or a link elsewhere is left to the browser.
function interceptLinks(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = event.target.closest("a[href]");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin) return;
  if (url.pathname !== "/" && url.pathname !== "/ui" && !url.pathname.startsWith("/ui/")) return;
  if (url.pathname.startsWith("/ui/assets/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

// "/" focuses the search box (where there is one), as on GitHub.
function keyboardShortcuts(event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const search = document.getElementById("search");
  if (!search) return;
  event.preventDefault();
  search.focus();
  search.select();
}

async function start() {
  document.addEventListener("click", interceptLinks);
  document.addEventListener("keydown", keyboardShortcuts);
  window.addEventListener("popstate", () => render());
  try {
    await loadSession();
  } catch (error) {
    drawHeader();
    showError(error);
    return;
  }
  const version = currentSession() && currentSession().version;
  if (version) document.getElementById("version").textContent = `regmirror ${version}`;
  await render();
}

start();
