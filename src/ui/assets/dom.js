// Small helpers shared by the views: building elements, formatting sizes, times and digests,
// and the pieces several views use (tables that scroll, copy buttons, the status line).

// h("a", {href: "/x", class: "c", "data-test": "t", onclick: f}, "text", child, [more]).
// Properties named on* are listeners; true/false attributes are set or left off; null and
// undefined children are skipped.
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      element.className = value;
    } else if (key === "text") {
      element.textContent = value;
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

// element.replaceChildren(), but skipping null, undefined and false as h() does (the DOM's
// own would show them as text).
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : String(child));
    }
  }
}

const kUnits = ["bytes", "KB", "MB", "GB", "TB", "PB"];

// 2811478 -> "2.8 MB" (powers of 1000, as podman and docker print sizes).
export function humanBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < kUnits.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${kUnits[unit]}`;
}

// A size to show: human, with the exact bytes in its title.
export function size(bytes, props = {}) {
  const exact = typeof bytes === "number" ? `${bytes.toLocaleString("en")} bytes` : "";
  return h("span", {title: exact, ...props}, humanBytes(bytes));
}

// "2026-12-05T09:00:00Z" -> "2026-12-05 09:00:00 UTC".
export function absoluteTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

const kRelative = new Intl.RelativeTimeFormat("en", {numeric: "auto"});
const kSteps = [
  [60, "second"], [60, "minute"], [24, "hour"], [30, "day"], [12, "month"], [Infinity, "year"],
];

// "3 hours ago", "in 5 minutes".
export function relativeTime(iso, now = Date.now()) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return "–";
  let amount = (date.getTime() - now) / 1000;
  for (const [step, unit] of kSteps) {
    if (Math.abs(amount) < step) return kRelative.format(Math.round(amount), unit);
    amount /= step;
  }
  return absoluteTime(iso);
}

// A time to show: relative, with the absolute UTC time in its title.
export function time(iso, props = {}) {
  if (!iso) return h("span", {class: "muted", ...props}, "–");
  return h("time", {datetime: iso, title: absoluteTime(iso), ...props}, relativeTime(iso));
}

// "sha256:0123456789abcdef…" -> "sha256:0123456789ab".
export function shortDigest(digest) {
  if (!digest) return "";
  const colon = digest.indexOf(":");
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

export function digestCode(digest, props = {}) {
  return h("code", {class: "digest", title: digest, ...props}, shortDigest(digest));
}

// A table inside a wrapper that scrolls sideways on a narrow screen.
export function table(props, head, rows) {
  return h("div", {class: "table-wrap"},
           h("table", props, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows)));
}

export function th(label, props = {}) {
  return h("th", {scope: "col", ...props}, label);
}

// Tells screen readers (and the sighted, in the footer line) what just happened.
export function announce(message) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = "";
  // A change they notice even when the same message comes twice.
  requestAnimationFrame(() => { status.textContent = message; });
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain HTTP to a host that is not localhost: no Clipboard API, the old way still works.
  const area = h("textarea", {readonly: true, class: "offscreen"});
  area.value = text;
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("copy refused");
}

// A command or snippet with its copy button: <pre data-test=text-NAME> and
// <button data-test=copy-NAME>.
export function copyBlock(name, label, text) {
  const code = h("pre", {class: "copy-text", "data-test": `text-${name}`, id: `text-${name}`},
                 h("code", {}, text));
  const button = h("button", {
    type: "button", class: "button small", "data-test": `copy-${name}`,
    "aria-describedby": `text-${name}`,
    onclick: async () => {
      try {
        await copyText(text);
        button.textContent = "Copied";
        announce(`${label} copied to the clipboard`);
      } catch {
        announce("Copying failed: select the text and copy it by hand");
      }
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    },
  }, "Copy");
  return h("div", {class: "copy-block"}, h("div", {class: "copy-head"}, h("span", {class: "copy-label"}, label), button), code);
}

// A definition list from [term, value] pairs; pairs whose value is null are left out.
export function facts(pairs, props = {}) {
  return h("dl", {class: "facts", ...props},
           pairs.filter(([, value]) => value !== null && value !== undefined)
               .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export function badge(text, kind) {
  return h("span", {class: `badge ${kind}`}, text);
}

// Path of the app for a repository, tag or digest; repository names keep their slashes.
export function repoPath(repo) {
  return `/ui/repositories/${repo.split("/").map(encodeURIComponent).join("/")}`;
}
export function tagPath(repo, tag) {
  return `${repoPath(repo)}/tags/${encodeURIComponent(tag)}`;
}
export function manifestPath(repo, digest) {
  return `${repoPath(repo)}/manifests/${encodeURIComponent(digest).replace("%3A", ":")}`;
}
