// The JSON API and the registry's auth, for the views: every call goes through request(),
// which adds credentials and, with token auth, answers a 401 by getting a token for the
// challenge's scope and trying once more (as podman does with a registry).

const kClientId = "regmirror-ui";
const kStore = window.sessionStorage;

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.detail = detail;
  }
}

let session = null;           // GET /regmirror/v1/session, once per page load and after sign-in
const tokens = new Map();     // scope -> {token, expires}: access tokens until shortly before expiry
let lastToken = null;         // for endpoints that only need any signed-in caller

export function currentSession() {
  return session;
}

// Who signed in through the UI (token: a refresh token; basic: the credentials), or null.
export function signedInUser() {
  return kStore.getItem("regmirror.user");
}

function basicCredentials() {
  return kStore.getItem("regmirror.basic");
}

function refreshToken() {
  return kStore.getItem("regmirror.refresh_token");
}

export function signOut() {
  for (const key of ["regmirror.user", "regmirror.basic", "regmirror.refresh_token"]) {
    kStore.removeItem(key);
  }
  tokens.clear();
  lastToken = null;
}

function remember(scope, answer) {
  const token = answer.access_token || answer.token;
  if (!token) throw new ApiError(500, "", "the token service answered without a token");
  const seconds = Number(answer.expires_in) > 0 ? Number(answer.expires_in) : 60;
  // Used until 10 s before it runs out, so that it does not expire on the way.
  tokens.set(scope, {token, expires: Date.now() + Math.max(seconds - 10, 1) * 1000});
  lastToken = token;
  return token;
}

function cachedToken(scope) {
  const entry = tokens.get(scope);
  if (entry && entry.expires > Date.now()) return entry.token;
  tokens.delete(scope);
  return null;
}

// The token service's URL. The page's Content-Security-Policy lets it reach its own origin
// only, so a realm elsewhere (auth.token.realm naming another host) is said plainly.
function realm(challenged) {
  const url = (session && session.token_realm) || challenged || "/token";
  if (new URL(url, location.href).origin !== location.origin) {
    throw new ApiError(0, "", `The token service ${url} is on another origin: the web UI signs ` +
                              "in through a token service on its own origin only " +
                              "(auth.token.realm empty, or a URL of this host).");
  }
  return url;
}

function service(challenged) {
  return (session && session.service) || challenged || "";
}

// Key=value pairs of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` header.
export function parseChallenge(header) {
  const params = {};
  if (!header || !/^bearer\s/i.test(header)) return null;
  const pattern = /([a-z_]+)="([^"]*)"/gi;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    params[match[1].toLowerCase()] = match[2];
  }
  return params;
}

async function readError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the status alone says it
  }
  const first = body && Array.isArray(body.errors) && body.errors[0];
  return new ApiError(response.status, first ? first.code : "",
                      first ? first.message : `${response.status} ${response.statusText}`,
                      first ? first.detail : undefined);
}

async function postForm(url, fields) {
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded"},
    body: new URLSearchParams(fields).toString(),
    credentials: "omit",
  });
  if (!response.ok) throw await readError(response);
  return response.json();
}

// A token for `scope`: from the refresh token when signed in, else anonymous.
async function fetchToken(scope, challenge) {
  const url = realm(challenge.realm);
  const svc = service(challenge.service);
  const refresh = refreshToken();
  if (refresh) {
    const fields = {grant_type: "refresh_token", refresh_token: refresh, service: svc,
                    client_id: kClientId};
    if (scope) fields.scope = scope;
    const answer = await postForm(url, fields);
    if (answer.refresh_token) kStore.setItem("regmirror.refresh_token", answer.refresh_token);
    return remember(scope, answer);
  }
  const query = new URLSearchParams({service: svc});
  if (scope) query.set("scope", scope);
  const response = await fetch(`${url}?${query}`, {credentials: "omit"});
  if (!response.ok) throw await readError(response);
  return remember(scope, await response.json());
}

// The scope a request will be challenged for, when it can be told from the path: so that a
// cached token goes with the first try.
function likelyScope(method, path) {
  const repo = /^\/regmirror\/v1\/repositories\/(.+)\/(tags|manifests\/[^/]+)$/.exec(path);
  if (repo) return `repository:${repo[1]}:pull`;
  if (path === "/regmirror/v1/repositories") return "registry:catalog:*";
  const manifest = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(path);
  if (manifest && method === "DELETE") return `repository:${manifest[1]}:delete`;
  return null;
}

function authorization(method, path) {
  if (!session) return null;
  if (session.auth === "basic") {
    const basic = basicCredentials();
    return basic ? `Basic ${basic}` : null;
  }
  if (session.auth !== "token") return null;
  const scope = likelyScope(method, path);
  const token = scope ? cachedToken(scope) : lastToken;
  return token ? `Bearer ${token}` : null;
}

// What an API call lets the browser add. "same-origin" lets it present a TLS client
// certificate (tls.client_auth); with basic auth "omit" keeps a 401's Basic challenge from
// raising the browser's own password prompt. (The token service's 401s challenge Basic too:
// its calls always omit.)
function credentialsMode() {
  return session && session.auth === "basic" ? "omit" : "same-origin";
}

// fetch() of an API path (same origin), JSON back; ApiError for any non-2xx.
export async function request(path, {method = "GET", query} = {}) {
  const url = query ? `${path}?${new URLSearchParams(query)}` : path;
  const send = (auth) => fetch(url, {
    method,
    headers: {Accept: "application/json", ...(auth ? {Authorization: auth} : {})},
    credentials: credentialsMode(),
    cache: "no-store",
  });
  let response = await send(authorization(method, path));
  if (response.status === 401 && session && session.auth === "token") {
    const challenge = parseChallenge(response.headers.get("WWW-Authenticate"));
    if (challenge) {
      let token = null;
      try {
        token = await fetchToken(challenge.scope || "", challenge);
      } catch (error) {
        // A refresh token that expired or was revoked: signed out, as the user will see.
        if (refreshToken() && error.status === 401) signOut();
      }
      if (token) response = await send(`Bearer ${token}`);
    }
  }
  if (!response.ok) throw await readError(response);
  if (response.status === 204 || response.status === 202) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// The session: auth mode, features, who the stored credentials name.
export async function loadSession() {
  const headers = {Accept: "application/json"};
  const basic = basicCredentials();
  if (basic) headers.Authorization = `Basic ${basic}`;
  // The session endpoint never challenges: the browser may add what it has.
  let response = await fetch("/regmirror/v1/session",
                             {headers, credentials: "same-origin", cache: "no-store"});
  if (!response.ok) throw await readError(response);
  session = await response.json();
  if (session.auth === "token" && refreshToken()) {
    // The session endpoint names the user of a valid token; any of theirs will do.
    try {
      const token = cachedToken("registry:catalog:*") ||
                    await fetchToken("registry:catalog:*", {});
      response = await fetch("/regmirror/v1/session", {
        headers: {...headers, Authorization: `Bearer ${token}`}, credentials: "same-origin",
        cache: "no-store"});
      if (response.ok) session = await response.json();
    } catch {
      signOut();
    }
  }
  // Stored credentials that no longer work (expired, revoked, auth turned off): forgotten.
  if (signedInUser() && !session.user) signOut();
  return session;
}

// Signs in with the registry's own token service (token) or by checking the password against
// the session endpoint (basic). Throws ApiError(401) for a wrong name or password.
export async function signIn(username, password) {
  if (session.auth === "basic") {
    const basic = btoa(unescape(encodeURIComponent(`${username}:${password}`)));
    const response = await fetch("/regmirror/v1/session", {
      headers: {Accept: "application/json", Authorization: `Basic ${basic}`},
      credentials: "omit", cache: "no-store"});
    if (!response.ok) throw await readError(response);
    const answer = await response.json();
    if (!answer.user) throw new ApiError(401, "UNAUTHORIZED", "wrong user name or password");
    kStore.setItem("regmirror.basic", basic);
    kStore.setItem("regmirror.user", answer.user);
    session = answer;
    return;
  }
  const scope = "registry:catalog:*";
  const answer = await postForm(realm(), {
    grant_type: "password", username, password, service: service(), client_id: kClientId,
    access_type: "offline", scope,
  });
  signOut();
  remember(scope, answer);
  if (answer.refresh_token) kStore.setItem("regmirror.refresh_token", answer.refresh_token);
  kStore.setItem("regmirror.user", username);
  await loadSession();
}

// A repository name or reference as a path: whatever the URL held, it stays one path.
const segments = (repo) => repo.split("/").map(encodeURIComponent).join("/");
const reference = (ref) => encodeURIComponent(ref).replace("%3A", ":");

// The API's paths, for the views.
export const api = {
  repositories: (query) => request("/regmirror/v1/repositories", {query}),
  tags: (repo) => request(`/regmirror/v1/repositories/${segments(repo)}/tags`),
  manifest: (repo, ref) =>
    request(`/regmirror/v1/repositories/${segments(repo)}/manifests/${reference(ref)}`),
  upstreams: () => request("/regmirror/v1/upstreams"),
  syncSets: () => request("/regmirror/v1/sync"),
  status: () => request("/regmirror/v1/status"),
  deleteManifest: (repo, ref) =>
    request(`/v2/${segments(repo)}/manifests/${reference(ref)}`, {method: "DELETE"}),
};
