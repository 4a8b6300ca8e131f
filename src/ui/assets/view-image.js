// An image, index or artifact by tag or digest: what it is, how to pull or mirror it, each
// platform's config and layers, what refers to it, and the manifest itself on demand.
import {api} from "./api.js";
import {confirmAction} from "./confirm.js";
import {announce, copyBlock, digestCode, facts, h, manifestPath, replace, repoPath, size, table, tagPath, th,
        time} from "./dom.js";

const kIndexTypes = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

function platformName(platform) {
  if (!platform) return "unknown";
  const parts = [platform.os || "unknown", platform.architecture || "unknown"];
  if (platform.variant) parts.push(platform.variant);
  return parts.join("/");
}

// Where a cluster would pull this repository from: inside an upstream's namespace, the
// upstream's host and the rest of the path; otherwise the repository path itself (mirrored
// content keeps its source's name, e.g. quay.io/openshift/release).
export function mirrorSource(repo, upstreams) {
  let best = null;
  for (const upstream of upstreams || []) {
    const prefix = upstream.prefix || "";
    const inside = prefix === "" || repo === prefix || repo.startsWith(`${prefix}/`);
    if (inside && (!best || prefix.length > (best.prefix || "").length)) best = upstream;
  }
  if (!best) return repo;
  let upstreamHost;
  try {
    upstreamHost = new URL(best.url).host;
  } catch {
    return repo;
  }
  if (upstreamHost === "registry-1.docker.io") upstreamHost = "docker.io";
  const prefix = best.prefix || "";
  const rest = prefix === "" ? repo : repo.slice(prefix.length).replace(/^\//, "");
  return rest ? `${upstreamHost}/${rest}` : upstreamHost;
}

function idmsName(repo) {
  const name = repo.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return (name || "mirror").slice(0, 63);
}

export function idmsSnippet(repo, source, host) {
  return [
    "apiVersion: config.openshift.io/v1",
    "kind: ImageDigestMirrorSet",
    "metadata:",
    `  name: ${idmsName(repo)}`,
    "spec:",
    "  imageDigestMirrors:",
    `  - source: ${source}`,
    "    mirrors:",
    `    - ${host}/${repo}`,
  ].join("\n");
}

function list(values) {
  if (!values || values.length === 0) return null;
  return h("code", {class: "wrap"}, values.map((v) => JSON.stringify(v)).join(" "));
}

function keyValues(map, testName) {
  const entries = Object.entries(map || {});
  if (entries.length === 0) return null;
  return table({class: "list compact kv", "data-test": testName}, [th("Key"), th("Value")],
               entries.map(([key, value]) => h("tr", {}, h("td", {}, h("code", {}, key)),
                                                h("td", {}, h("code", {class: "wrap"}, String(value))))));
}

function configSection(config, entry) {
  if (!config) {
    return h("div", {class: "card-body"},
      h("p", {class: "muted"}, entry.missing
        ? "This registry does not hold this platform's manifest."
        : entry.config_error
          ? `The config could not be read: ${entry.config_error}`
          : `Not an image: its config is ${entry.config_media_type || "of an unknown type"}.`));
  }
  const env = config.env || [];
  const history = config.history || [];
  return h("div", {class: "card-body"},
    facts([
      ["OS", h("span", {"data-test": "config-os"}, config.os || "–")],
      ["Architecture", h("span", {"data-test": "config-arch"}, config.architecture || "–")],
      ["Variant", config.variant ? h("span", {"data-test": "config-variant"}, config.variant) : null],
      ["Created", h("span", {"data-test": "config-created", "data-created": config.created || ""},
                    config.created ? time(config.created) : "–")],
      ["Author", config.author || null],
      ["Entrypoint", list(config.entrypoint)],
      ["Cmd", list(config.cmd)],
      ["Working dir", config.working_dir ? h("code", {}, config.working_dir) : null],
      ["User", config.user ? h("code", {}, config.user) : null],
      ["Ports", (config.exposed_ports || []).length ? config.exposed_ports.join(", ") : null],
      ["Config", h("span", {}, digestCode(config.digest), " ", size(config.size))],
    ]),
    env.length ? h("details", {class: "sub"}, h("summary", {}, `Environment (${env.length})`),
                   h("ul", {class: "env"}, env.map((e) => h("li", {}, h("code", {class: "wrap"}, e)))))
      : null,
    Object.keys(config.labels || {}).length
      ? h("details", {class: "sub", open: true},
          h("summary", {}, `Labels (${Object.keys(config.labels).length})`), keyValues(config.labels, "labels"))
      : null,
    history.length
      ? h("details", {class: "sub"}, h("summary", {}, `History (${history.length})`),
          table({class: "list compact history"}, [th("Created"), th("Command"), th("Layer")],
                history.map((step) => h("tr", {},
                  h("td", {}, time(step.created)),
                  h("td", {}, h("code", {class: "wrap"}, step.created_by || step.comment || "")),
                  h("td", {}, step.empty_layer ? h("span", {class: "muted"}, "empty") : "yes")))))
      : null);
}

// `position` makes the heading's id unique: an index may list a platform twice (BuildKit's
// unknown/unknown attestation entries).
function platformSection(repo, entry, isIndex, position) {
  const name = platformName(entry.platform);
  const layers = entry.layers || [];
  const headingId = `platform-${position}`;
  return h("section", {class: "card platform", "data-test": "platform", "data-platform": name,
                       "aria-labelledby": headingId},
    h("header", {class: "card-head"},
      h("h3", {id: headingId}, name),
      h("span", {class: "muted"},
        isIndex ? h("a", {href: manifestPath(repo, entry.digest), class: "plain"}, digestCode(entry.digest)) : null,
        " ", entry.total_size !== undefined ? size(entry.total_size) : null)),
    configSection(entry.config, entry),
    layers.length
      ? h("div", {class: "card-body"},
          h("h4", {}, `Layers (${layers.length})`),
          table({class: "list compact layers"}, [th("#", {class: "num"}), th("Digest"), th("Media type"), th("Size", {class: "num"})],
                layers.map((layer, i) => h("tr", {"data-test": "layer", "data-digest": layer.digest,
                                                  "data-bytes": layer.size},
                  h("td", {class: "num muted"}, String(i + 1)),
                  h("td", {}, h("code", {class: "digest-full"}, layer.digest)),
                  h("td", {class: "muted small"}, layer.media_type),
                  h("td", {class: "num"}, size(layer.size))))))
      : null,
    keyValues(entry.annotations, "platform-annotations"));
}

function referrersSection(repo, image) {
  const referrers = image.referrers || [];
  const signatures = image.signatures || [];
  if (referrers.length === 0 && signatures.length === 0) {
    return h("section", {class: "card"}, h("header", {class: "card-head"}, h("h2", {}, "Referrers")),
             h("div", {class: "card-body"}, h("p", {class: "muted"}, "No signatures, SBOMs or attestations refer to this manifest.")));
  }
  return h("section", {class: "card", "aria-labelledby": "referrers-title"},
    h("header", {class: "card-head"}, h("h2", {id: "referrers-title"}, "Referrers")),
    referrers.length
      ? h("div", {class: "card-body"},
          table({class: "list compact", "data-test": "referrers"}, [th("Artifact type"), th("Digest"), th("Subject"), th("Size", {class: "num"})],
                referrers.map((r) => h("tr", {"data-test": "referrer", "data-digest": r.digest,
                                              "data-artifact-type": r.artifact_type || ""},
                  h("td", {}, r.artifact_type || h("span", {class: "muted"}, r.media_type)),
                  h("td", {}, h("a", {href: manifestPath(repo, r.digest), class: "plain"}, digestCode(r.digest))),
                  h("td", {}, r.subject === image.digest ? h("span", {class: "muted"}, "this") : digestCode(r.subject)),
                  h("td", {class: "num"}, size(r.size))))))
      : null,
    signatures.length
      ? h("div", {class: "card-body"},
          h("h4", {}, "Signatures and attestations (tags)"),
          table({class: "list compact", "data-test": "signatures"}, [th("Kind"), th("Tag"), th("Digest")],
                signatures.map((s) => h("tr", {"data-test": "signature", "data-tag": s.tag},
                  h("td", {}, h("span", {class: `badge ${s.kind === "sig" ? "ok" : "info"}`},
                                s.kind === "sig" ? "signature" : s.kind === "att" ? "attestation" : s.kind)),
                  h("td", {}, h("a", {href: tagPath(repo, s.tag), class: "plain"}, h("code", {}, s.tag))),
                  h("td", {}, digestCode(s.digest))))))
      : null);
}

async function upstreamsIfMirror(context) {
  const features = context.session && context.session.features;
  if (!features || !features.mirror) return [];
  try {
    const answer = await api.upstreams();
    return answer.upstreams || [];
  } catch {
    return [];  // not signed in, say: the snippet names the repository itself
  }
}

export async function renderImage(main, context, route) {
  const {repo, reference} = route;
  const [image, upstreams] = await Promise.all([api.manifest(repo, reference), upstreamsIfMirror(context)]);
  if (!context.current()) return;
  const host = location.host;
  const isIndex = kIndexTypes.has(image.media_type);
  const pullRef = `${host}/${repo}@${image.digest}`;
  const last = repo.split("/").pop();
  const actions = image.actions || {};

  async function remove() {
    const yes = await confirmAction({
      title: "Delete this manifest?",
      message: `${repo}@${image.digest} and every tag that names it will be gone.`,
    });
    if (!yes) return;
    try {
      await api.deleteManifest(repo, image.digest);
      context.navigate(repoPath(repo));
      announce("Manifest deleted");
    } catch (error) {
      announce(`Deleting failed: ${error.message}`);
      main.querySelector(".page-head").after(
        h("p", {class: "notice error", role: "alert"}, `Deleting failed: ${error.message}`));
    }
  }

  const raw = h("pre", {class: "raw"});
  const rawDetails = h("details", {class: "card raw-json", "data-test": "raw-json"},
    h("summary", {}, "Raw manifest JSON"), raw);
  rawDetails.addEventListener("toggle", () => {
    if (rawDetails.open && !raw.textContent) raw.textContent = JSON.stringify(image.manifest, null, 2);
  });

  const kind = isIndex ? "Index" : image.artifact_type ? "Artifact" : "Image";
  replace(main, 
    h("nav", {class: "crumbs", "aria-label": "Breadcrumb"},
      h("a", {href: "/ui/"}, "Repositories"), " / ", h("a", {href: repoPath(repo)}, repo)),
    h("div", {class: "page-head"},
      h("h1", {tabindex: "-1"}, h("span", {class: "muted"}, `${repo}`),
        route.by === "tag" ? `:${reference}` : `@${image.digest.slice(0, 19)}`),
      h("div", {class: "head-actions"},
        h("span", {class: "badge info"}, kind),
        actions.delete
          ? h("button", {type: "button", class: "button danger-outline", "data-test": "delete-manifest",
                         onclick: remove}, "Delete manifest")
          : null)),
    h("section", {class: "card", "aria-label": "Summary"},
      h("div", {class: "card-body"},
        facts([
          ["Digest", h("code", {class: "digest-full", "data-test": "image-digest"}, image.digest)],
          ["Media type", h("code", {}, image.media_type)],
          ["Artifact type", image.artifact_type ? h("code", {}, image.artifact_type) : null],
          ["Total size", size(image.total_size, {"data-test": "image-size", "data-bytes": image.total_size})],
          ["Manifest size", size(image.size)],
          ["Subject", image.subject ? h("a", {href: manifestPath(repo, image.subject), class: "plain"}, digestCode(image.subject)) : null],
          ["Platforms", isIndex ? String((image.platforms || []).length) : null],
        ]))),
    h("section", {class: "card", "aria-labelledby": "use-title"},
      h("header", {class: "card-head"}, h("h2", {id: "use-title"}, "Pull and mirror")),
      h("div", {class: "card-body copies"},
        copyBlock("podman", "Pull with podman", `podman pull ${pullRef}`),
        copyBlock("skopeo", "Copy with skopeo",
                  `skopeo copy${isIndex ? " --all" : ""} docker://${pullRef} oci:${last}`),
        copyBlock("idms", "ImageDigestMirrorSet", idmsSnippet(repo, mirrorSource(repo, upstreams), host)))),
    Object.keys(image.annotations || {}).length
      ? h("section", {class: "card"}, h("header", {class: "card-head"}, h("h2", {}, "Annotations")),
          h("div", {class: "card-body"}, keyValues(image.annotations, "annotations")))
      : null,
    h("section", {class: "platforms", "aria-label": "Platforms"},
      h("h2", {}, isIndex ? `Platforms (${(image.platforms || []).length})` : "Platform"),
      image.truncated
        ? h("p", {class: "notice", "data-test": "truncated"},
            "This image is too large to show whole: some platforms or layers are left out. " +
            "The raw manifest below is complete.")
        : null,
      (image.platforms || []).map((entry, i) => platformSection(repo, entry, isIndex, i))),
    referrersSection(repo, image),
    rawDetails);
}
