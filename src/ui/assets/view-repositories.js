// Repositories: the catalog the caller may pull, searched as one types, 50 to a page.
import {api} from "./api.js";
import {announce, h, replace, repoPath, table, th, time} from "./dom.js";

const kPageSize = 50;
const kDebounceMs = 150;

export async function renderRepositories(main, context) {
  const params = new URLSearchParams(location.search);
  let query = params.get("q") || "";
  let pages = [""];  // the `last` each page starts after: a stack for Previous
  let timer = null;

  const search = h("input", {
    id: "search", type: "search", value: query, autocomplete: "off", spellcheck: "false",
    placeholder: "Filter by name", "aria-controls": "repo-results", "aria-keyshortcuts": "/",
  });
  const results = h("div", {id: "repo-results"});
  const summary = h("p", {class: "muted summary", id: "repo-summary"});
  const previous = h("button", {type: "button", class: "button", "data-test": "prev-page", disabled: true}, "← Previous");
  const next = h("button", {type: "button", class: "button", "data-test": "next-page", disabled: true}, "Next →");
  let nextLast = null;
  let requests = 0;

  async function load() {
    const last = pages[pages.length - 1];
    const query_ = {n: String(kPageSize)};
    if (query) query_.q = query;
    if (last) query_.last = last;
    // Only the newest request draws: an older one (typed on, or paged on, meanwhile) that
    // answers late must not replace its page.
    const asked = ++requests;
    const answer = await api.repositories(query_);
    if (asked !== requests || !context.current()) return;
    const repos = answer.repositories || [];
    nextLast = answer.next || null;
    results.replaceChildren(repos.length === 0
      ? h("p", {class: "empty", "data-test": "no-repositories"},
          query ? `No repository matches “${query}”.` : "No repositories yet. Push an image to see it here.")
      : table({class: "list", "data-test": "repositories"},
              [th("Repository"), th("Tags", {class: "num"}), th("Updated")],
              repos.map((repo) => h("tr", {"data-repo": repo.name},
                h("td", {}, h("a", {href: repoPath(repo.name), "data-test": "repo-link"}, repo.name)),
                h("td", {class: "num"}, String(repo.tags)),
                h("td", {}, time(repo.updated_at))))));
    const page = pages.length;
    const first = (page - 1) * kPageSize + 1;
    summary.textContent = repos.length === 0 ? ""
      : `Showing ${first}–${first + repos.length - 1}${query ? ` matching “${query}”` : ""}`;
    previous.disabled = pages.length <= 1;
    next.disabled = !nextLast;
    announce(repos.length === 0 ? "No repositories" : summary.textContent);
  }

  async function reload() {
    try {
      await load();
      main.dataset.state = "ready";
    } catch (error) {
      results.replaceChildren(h("p", {class: "notice error", "data-test": "error", role: "alert"}, error.message));
      main.dataset.state = "error";
      if (error.status === 401) context.needSignIn();
    }
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      pages = [""];
      const url = new URL(location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      history.replaceState(null, "", url.pathname + url.search);
      main.dataset.state = "loading";
      reload();
    }, kDebounceMs);
  });
  search.addEventListener("keydown", (event) => {
    // Enter opens the only match, Escape clears.
    if (event.key === "Escape" && search.value) {
      search.value = "";
      search.dispatchEvent(new Event("input"));
    } else if (event.key === "Enter") {
      const links = results.querySelectorAll("a[data-test=repo-link]");
      if (links.length === 1) context.navigate(links[0].getAttribute("href"));
    }
  });
  next.addEventListener("click", () => {
    if (!nextLast) return;
    pages.push(nextLast);
    main.dataset.state = "loading";
    reload();
  });
  previous.addEventListener("click", () => {
    if (pages.length <= 1) return;
    pages.pop();
    main.dataset.state = "loading";
    reload();
  });

  await load();
  if (!context.current()) return;
  // Anonymous callers get a catalog of what anonymous may pull, often nothing: then signing
  // in is the way on, so the form comes first.
  const session = context.session;
  const anonymous = session && session.auth !== "none" && !session.user;
  if (anonymous && !query && !nextLast && !results.querySelector("a[data-test=repo-link]")) {
    await context.needSignIn();
    return;
  }
  replace(main, 
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, "Repositories"),
      h("div", {class: "search"},
        h("label", {for: "search"}, "Search repositories"),
        search,
        h("span", {class: "hint", "aria-hidden": "true"}, h("kbd", {}, "/")))),
    summary,
    results,
    h("nav", {class: "pager", "aria-label": "Pages"}, previous, next));
}
