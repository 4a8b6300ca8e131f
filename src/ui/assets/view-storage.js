// Storage: bytes stored, each quota's usage, the last garbage collection runs (admins only:
// GET /regmirror/v1/status).
import {api} from "./api.js";
import {badge, h, humanBytes, replace, size, table, th, time} from "./dom.js";

function percent(used, limit) {
  return limit > 0 ? Math.min(100, Math.round((used / limit) * 100)) : 0;
}

export async function renderStorage(main, context) {
  const status = await api.status();
  if (!context.current()) return;
  const storage = status.storage;
  const quotas = status.quotas || [];
  const runs = status.gc || [];
  replace(main, 
    h("div", {class: "page-head"}, h("h1", {tabindex: "-1"}, "Storage")),
    h("div", {class: "stats"},
      h("div", {class: "stat"}, h("span", {class: "stat-label"}, "Stored"),
        storage
          ? size(storage.bytes, {class: "stat-value", "data-test": "storage-bytes", "data-bytes": storage.bytes})
          : h("span", {class: "stat-value muted", "data-test": "storage-bytes"}, "unknown")),
      h("div", {class: "stat"}, h("span", {class: "stat-label"}, "Blobs"),
        h("span", {class: "stat-value"}, storage ? storage.blobs.toLocaleString("en") : "–")),
      h("div", {class: "stat"}, h("span", {class: "stat-label"}, "Up since"),
        h("span", {class: "stat-value small-value"}, time(status.started_at)))),
    h("section", {class: "card", "aria-labelledby": "quotas-title"},
      h("header", {class: "card-head"}, h("h2", {id: "quotas-title"}, "Quotas")),
      quotas.length === 0
        ? h("div", {class: "card-body"}, h("p", {class: "muted"}, "No quotas: namespaces may grow without limit."))
        : table({class: "list", "data-test": "quotas"}, [th("Namespace"), th("Used", {class: "num"}), th("Limit", {class: "num"}), th("Usage")],
            quotas.map((q) => {
              const share = percent(q.used_bytes, q.limit_bytes);
              return h("tr", {"data-test": "quota", "data-namespace": q.namespace},
                h("td", {}, h("code", {}, q.namespace)),
                h("td", {class: "num"}, size(q.used_bytes)),
                h("td", {class: "num"}, size(q.limit_bytes)),
                h("td", {}, h("div", {class: "usage-bar"},
                  h("meter", {min: 0, max: q.limit_bytes, value: Math.min(q.used_bytes, q.limit_bytes),
                              low: q.limit_bytes * 0.8, high: q.limit_bytes * 0.95, optimum: 0,
                              "aria-label": `${q.namespace}: ${share}% of ${humanBytes(q.limit_bytes)}`}),
                  h("span", {class: "small"}, `${share}%`))));
            }))),
    h("section", {class: "card", "aria-labelledby": "gc-title"},
      h("header", {class: "card-head"}, h("h2", {id: "gc-title"}, "Garbage collection")),
      runs.length === 0
        ? h("div", {class: "card-body"}, h("p", {class: "muted"}, "No garbage collection run yet."))
        : table({class: "list", "data-test": "gc-runs"},
            [th("Started"), th("Result"), th("Manifests removed", {class: "num"}), th("Blobs removed", {class: "num"}), th("Freed", {class: "num"})],
            runs.map((run) => h("tr", {"data-test": "gc-run"},
              h("td", {}, time(run.started_at)),
              h("td", {}, run.result === "ok" ? badge(run.dry_run ? "ok (dry run)" : "ok", "ok")
                                              : h("span", {}, badge(run.result || "failed", "bad"), " ", h("span", {class: "small"}, run.error || ""))),
              h("td", {class: "num"}, String(run.manifests_removed ?? 0)),
              h("td", {class: "num"}, String(run.blobs_removed ?? 0)),
              h("td", {class: "num"}, size(run.bytes_freed)))))));
}
