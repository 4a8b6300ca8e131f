// A repository: its tags, sortable by name, push time and size; cosign attachments apart.
import {api} from "./api.js";
import {confirmAction} from "./confirm.js";
import {announce, digestCode, h, manifestPath, replace, size, table, tagPath, time} from "./dom.js";

const kSortKeys = {
  name: (tag) => tag.name,
  pushed: (tag) => tag.pushed_at || "",
  size: (tag) => tag.size || 0,
};

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function renderTags(main, context, repo) {
  const answer = await api.tags(repo);
  if (!context.current()) return;
  const actions = answer.actions || {};
  let sort = {key: "name", ascending: true};
  const all = answer.tags || [];

  const tagsBox = h("div");
  const attachmentsBox = h("div");

  async function remove(tag) {
    const yes = await confirmAction({
      title: `Delete tag ${tag.name}?`,
      message: `Only the tag ${repo}:${tag.name} is removed: the manifest it names (${tag.digest}) stays, by its digest.`,
    });
    if (!yes) return;
    try {
      await api.deleteManifest(repo, tag.name);
      const at = all.indexOf(tag);
      if (at >= 0) all.splice(at, 1);
      draw();
      announce(`Tag ${tag.name} deleted`);
    } catch (error) {
      announce(`Deleting ${tag.name} failed: ${error.message}`);
      tagsBox.prepend(h("p", {class: "notice error", role: "alert"}, `Deleting ${tag.name} failed: ${error.message}`));
    }
  }

  function row(tag) {
    const platforms = tag.platforms || [];
    return h("tr", {"data-test": "tag-row", "data-tag": tag.name},
      h("th", {scope: "row"}, h("a", {href: tagPath(repo, tag.name), class: "tag-name"}, tag.name)),
      h("td", {"data-test": "tag-digest", "data-digest": tag.digest},
        h("a", {href: manifestPath(repo, tag.digest), class: "plain"}, digestCode(tag.digest))),
      h("td", {"data-test": "tag-platforms"},
        platforms.length
          ? platforms.map((p) => h("span", {class: "chip"}, p))
          : h("span", {class: "muted"}, tag.artifact_type || "–")),
      h("td", {class: "num", "data-test": "tag-size", "data-bytes": tag.size}, size(tag.size)),
      h("td", {}, time(tag.pushed_at)),
      actions.delete
        ? h("td", {class: "actions"}, h("button", {
            type: "button", class: "button small danger-outline", "data-test": "delete-tag",
            "aria-label": `Delete tag ${tag.name}`, onclick: () => remove(tag)}, "Delete"))
        : null);
  }

  function sortButton(key, label) {
    const active = sort.key === key;
    return h("th", {scope: "col", class: key === "size" ? "num" : null,
                    "aria-sort": active ? (sort.ascending ? "ascending" : "descending") : "none"},
      h("button", {type: "button", class: "sort", "data-sort": key, onclick: () => {
        sort = {key, ascending: active ? !sort.ascending : key === "name"};
        draw();
        announce(`Sorted by ${label}, ${sort.ascending ? "ascending" : "descending"}`);
        tagsBox.querySelector(`button[data-sort=${key}]`).focus();
      }}, label, h("span", {class: "arrow", "aria-hidden": "true"},
                    active ? (sort.ascending ? " ▲" : " ▼") : " ↕")));
  }

  function head() {
    return [sortButton("name", "Tag"), h("th", {scope: "col"}, "Digest"), h("th", {scope: "col"}, "Platforms"),
            sortButton("size", "Size"), sortButton("pushed", "Pushed"),
            actions.delete ? h("th", {scope: "col"}, h("span", {class: "visually-hidden"}, "Actions")) : null];
  }

  function draw() {
    const key = kSortKeys[sort.key];
    const ordered = all.filter((tag) => !tag.attached_to)
      .sort((a, b) => (sort.ascending ? 1 : -1) * compare(key(a), key(b)) || compare(a.name, b.name));
    const attachments = all.filter((tag) => tag.attached_to);
    tagsBox.replaceChildren(ordered.length
      ? table({class: "list", "data-test": "tags"}, head(), ordered.map(row))
      : h("p", {class: "empty"}, "This repository has no tags."));
    attachmentsBox.replaceChildren(attachments.length
      ? h("section", {class: "attachments", "aria-labelledby": "attachments-title"},
          h("h2", {id: "attachments-title"}, "Attachments"),
          h("p", {class: "muted"}, "Signatures, attestations and SBOMs stored under cosign-style tags."),
          table({class: "list compact", "data-test": "attachments"},
                [h("th", {scope: "col"}, "Tag"), h("th", {scope: "col"}, "Digest"),
                 h("th", {scope: "col"}, "For"), h("th", {scope: "col", class: "num"}, "Size"),
                 h("th", {scope: "col"}, "Pushed"),
                 actions.delete ? h("th", {scope: "col"}, h("span", {class: "visually-hidden"}, "Actions")) : null],
                attachments.map((tag) => {
                  const tr = row(tag);
                  tr.children[2].replaceChildren(h("a", {href: manifestPath(repo, tag.attached_to), class: "plain"},
                                                   digestCode(tag.attached_to)));
                  return tr;
                })))
      : "");
  }

  draw();
  const crumbs = repo.split("/");
  replace(main, 
    h("nav", {class: "crumbs", "aria-label": "Breadcrumb"},
      h("a", {href: "/ui/"}, "Repositories"), " / ",
      crumbs.length > 1 ? h("span", {class: "muted"}, `${crumbs.slice(0, -1).join("/")}/`) : null),
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1", class: "repo-title"}, repo),
      h("p", {class: "muted"}, `${all.length} ${all.length === 1 ? "tag" : "tags"}`,
        actions.push ? " · you may push" : "", actions.delete ? " · you may delete" : "")),
    h("p", {class: "pull-hint"}, "Pull: ", h("code", {}, `podman pull ${location.host}/${repo}:TAG`)),
    tagsBox,
    attachmentsBox);
}
