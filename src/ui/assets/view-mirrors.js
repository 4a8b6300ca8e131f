// Mirrors: the pull-through upstreams' health and the scheduled sync sets' runs.
import {api} from "./api.js";
import {badge, h, replace, size, table, th, time} from "./dom.js";

function upstreamsSection(upstreams) {
  return h("section", {class: "card", "aria-labelledby": "upstreams-title"},
    h("header", {class: "card-head"}, h("h2", {id: "upstreams-title"}, "Upstreams")),
    upstreams.length === 0
      ? h("div", {class: "card-body"}, h("p", {class: "muted"}, "No upstreams: this registry is not a pull-through mirror."))
      : table({class: "list", "data-test": "upstreams"},
          [th("Namespace"), th("Upstream"), th("Status"), th("Hits", {class: "num"}), th("Misses", {class: "num"}),
           th("Cached", {class: "num"}), th("Last error")],
          upstreams.map((u) => h("tr", {"data-test": "upstream", "data-prefix": u.prefix || ""},
            h("td", {}, u.prefix ? h("code", {}, `${u.prefix}/`) : h("span", {class: "muted"}, "(everything else)")),
            h("td", {}, h("code", {class: "wrap"}, u.url)),
            h("td", {}, u.reachable ? badge("reachable", "ok") : badge("unreachable", "bad")),
            h("td", {class: "num"}, String(u.hits ?? 0)),
            h("td", {class: "num"}, String(u.misses ?? 0)),
            h("td", {class: "num"}, size(u.cached_bytes)),
            h("td", {class: "error-cell"}, u.last_error
              ? h("span", {}, time(u.last_error_at), " ", h("span", {class: "small"}, u.last_error))
              : h("span", {class: "muted"}, "none"))))));
}

function syncSection(sets) {
  return h("section", {class: "card", "aria-labelledby": "sync-title"},
    h("header", {class: "card-head"}, h("h2", {id: "sync-title"}, "Sync sets")),
    sets.length === 0
      ? h("div", {class: "card-body"}, h("p", {class: "muted"}, "No scheduled sync sets (mirror.sync)."))
      : table({class: "list", "data-test": "sync-sets"},
          [th("Set"), th("Schedule"), th("Last run"), th("Next run"), th("Images", {class: "num"}),
           th("Bytes", {class: "num"}), th("Errors")],
          sets.map((set) => {
            const run = set.last_run;
            const errors = (run && run.errors) || [];
            return h("tr", {"data-test": "sync-set", "data-name": set.name},
              h("td", {}, h("strong", {}, set.name), set.prefix ? h("div", {class: "muted small"}, `into ${set.prefix}/`) : null),
              h("td", {}, h("code", {}, set.interval ? `every ${set.interval}` : set.schedule || "–")),
              h("td", {}, set.running ? badge("running", "info") : run ? time(run.finished) : h("span", {class: "muted"}, "never")),
              h("td", {}, time(set.next_run)),
              h("td", {class: "num"}, run ? h("span", {}, `${run.images_ok} ok`,
                run.images_failed ? h("span", {class: "bad-text"}, `, ${run.images_failed} failed`) : null) : "–"),
              h("td", {class: "num"}, run ? size(run.bytes) : "–"),
              h("td", {}, errors.length
                ? h("details", {}, h("summary", {}, badge(`${errors.length} ${errors.length === 1 ? "error" : "errors"}`, "bad")),
                    h("ul", {class: "errors"}, errors.map((e) => h("li", {}, h("code", {class: "wrap"}, e)))))
                : run ? badge("ok", "ok") : h("span", {class: "muted"}, "–")));
          })));
}

export async function renderMirrors(main, context) {
  const features = (context.session && context.session.features) || {};
  const [upstreams, sync] = await Promise.all([
    features.mirror === false ? {upstreams: []} : api.upstreams(),
    features.sync === false ? {sets: []} : api.syncSets(),
  ]);
  if (!context.current()) return;
  replace(main, 
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Mirrors")),
    upstreamsSection(upstreams.upstreams || []),
    syncSection(sync.sets || []));
}
