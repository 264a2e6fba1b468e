/**
 * A dependency-free client for the django-anonymous-auth API.
 *
 * Its calls mirror better-auth's client (`signIn.anonymous()`,
 * `anonymous.linkAccount()`, `signIn.email()`, `getSession()`, `signOut()`,
 * `deleteAnonymousUser()`), and each resolves to `{data, error}`: it never
 * throws for an HTTP error or a network failure.
 *
 * In a browser page served by the same site it uses Django's session cookie and
 * sends the CSRF token from Django's `csrftoken` cookie. Given a `token` option
 * (even `null`) it uses `Authorization: Bearer <token>` instead, sends no
 * cookies, and keeps the token of every sign-in response: that is the mode for
 * mobile apps, scripts and other sites' front ends.
 *
 * @example
 * import { createAuthClient } from "/static/django_anonymous_auth/client.js";
 * const client = createAuthClient({ baseURL: "/api/auth" });
 * const { data, error } = await client.signIn.anonymous();
 *
 * @module django_anonymous_auth/client
 */

/**
 * The `user` of every response.
 * @typedef {object} User
 * @property {number|string} id
 * @property {string} email - a placeholder address while `is_anonymous` is true
 * @property {string} name
 * @property {boolean} is_anonymous - created by anonymous sign-in and not yet linked
 * @property {string} created_at - ISO 8601
 * @property {string} [username] - only for username-based user models
 */

/**
 * @typedef {object} SignedIn
 * @property {string} [token] - the session key, for `Authorization: Bearer`
 * @property {User} user
 */

/**
 * @typedef {object} Session
 * @property {{expires_at: string}} session
 * @property {User} user
 */

/**
 * Why a call failed. `code` is the API's (`"INVALID_EMAIL_OR_PASSWORD"`,
 * `"VALIDATION_ERROR"`, ...), or `"NETWORK_ERROR"` when the server could not be
 * reached (`status` 0), or `"INVALID_RESPONSE"` when it did not answer JSON.
 * `message` is always readable text, fit to show to a person.
 * @typedef {object} AuthError
 * @property {number} status - the HTTP status, 0 for a network failure
 * @property {string} code
 * @property {string} message
 * @property {Object<string, string[]>|null} errors - messages by field, for `VALIDATION_ERROR`
 */

/**
 * Exactly one of `data` and `error` is set, except that `getSession()` gives
 * `{data: null, error: null}` when nobody is signed in.
 * @template T
 * @typedef {{data: T, error: null} | {data: null, error: AuthError}} Result
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} [baseURL="/api/auth"] - where `django_anonymous_auth.urls` is mounted
 * @property {string|null} [token] - switch to bearer tokens; `null` to start without a session
 * @property {string} [csrfCookieName="csrftoken"] - Django's `CSRF_COOKIE_NAME`
 * @property {string} [csrfHeaderName="X-CSRFToken"] - Django's `CSRF_HEADER_NAME`, as a header
 * @property {typeof fetch} [fetch] - a `fetch` to use instead of the global one
 */

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Read a cookie of the current page, or `null` (also outside a browser).
 * @param {string} name
 * @returns {string|null}
 */
function readCookie(name) {
  if (typeof document === "undefined" || !document.cookie) return null;
  for (const pair of document.cookie.split(";")) {
    const [key, ...value] = pair.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

/**
 * @param {number} status
 * @param {string} code
 * @param {string} message
 * @param {Object<string, string[]>|null} [errors]
 * @returns {{data: null, error: AuthError}}
 */
function failure(status, code, message, errors = null) {
  return { data: null, error: { status, code, message, errors } };
}

/**
 * Create a client of the API mounted at `baseURL`.
 * @param {ClientOptions} [options]
 */
export function createAuthClient(options = {}) {
  const {
    baseURL = "/api/auth",
    csrfCookieName = "csrftoken",
    csrfHeaderName = "X-CSRFToken",
    // Looked up at each call, so a test or polyfill may replace the global later.
    fetch: fetchImpl = (...args) => globalThis.fetch(...args),
  } = options;
  const root = baseURL.replace(/\/+$/, "");
  const bearer = options.token !== undefined;
  /** @type {string|null} */
  let token = options.token ?? null;

  /**
   * Call any JSON endpoint of the site with this client's credentials: the
   * session cookie and CSRF token, or the bearer token. The page uses it for
   * its own API; the auth calls below are built on it.
   * @template [T=any]
   * @param {string} url - as `fetch` takes it: absolute, or relative to the page
   * @param {{method?: string, body?: unknown}} [init]
   * @returns {Promise<Result<T>>}
   */
  async function request(url, { method = "GET", body } = {}) {
    method = method.toUpperCase();
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (bearer) {
      if (token) headers.Authorization = `Bearer ${token}`;
    } else if (UNSAFE_METHODS.has(method)) {
      // Read on every call: Django rotates the token at each login().
      const csrfToken = readCookie(csrfCookieName);
      if (csrfToken) headers[csrfHeaderName] = csrfToken;
    }
    let response;
    let text;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // A bearer client's only credential is its token: a stray session cookie
        // must not sign its requests (nor demand a CSRF token).
        credentials: bearer ? "omit" : "same-origin",
      });
      text = await response.text();
    } catch {
      return failure(
        0,
        "NETWORK_ERROR",
        "The server could not be reached. Check your connection and try again.",
      );
    }
    let payload;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      // An HTML error page (a proxy's 502, Django's debug page): never show it raw.
      const reason = `${response.status} ${response.statusText}`.trim();
      return failure(
        response.status,
        "INVALID_RESPONSE",
        `The server answered ${reason}. Please try again later.`,
      );
    }
    if (!response.ok) {
      const known =
        payload !== null && typeof payload === "object" && typeof payload.code === "string";
      return failure(
        response.status,
        known ? payload.code : `HTTP_${response.status}`,
        known && payload.message
          ? String(payload.message)
          : `The request failed (${response.status}).`,
        known && payload.errors ? payload.errors : null,
      );
    }
    return { data: payload, error: null };
  }

  /**
   * Call an endpoint of the auth API; a bearer client keeps the token it answers.
   * @param {string} path - under `baseURL`
   * @param {{method?: string, body?: unknown}} [init]
   */
  async function api(path, init) {
    const result = await request(`${root}/${path}`, init);
    if (bearer && typeof result.data?.token === "string") token = result.data.token;
    return result;
  }

  /**
   * A call that ends the session: a bearer client forgets its token.
   * @param {string} path
   * @returns {Promise<Result<{success: true}>>}
   */
  async function endSession(path) {
    const result = await api(path, { method: "POST" });
    if (!result.error && bearer) token = null;
    return result;
  }

  return {
    signIn: {
      /**
       * Create an anonymous user and sign in as it (`POST sign-in/anonymous`).
       * @returns {Promise<Result<SignedIn>>}
       */
      anonymous: () => api("sign-in/anonymous", { method: "POST" }),
      /**
       * Sign in with email and password (`POST sign-in/email`). A signed-in
       * anonymous user's data is merged into that account by the server.
       * @param {{email: string, password: string}} credentials
       * @returns {Promise<Result<SignedIn>>}
       */
      email: ({ email, password }) =>
        api("sign-in/email", { method: "POST", body: { email, password } }),
    },
    anonymous: {
      /**
       * Turn the signed-in anonymous user into a normal account, keeping its id
       * and data (`POST anonymous/link-account`).
       * @param {{email: string, password: string, username?: string}} fields
       * @returns {Promise<Result<SignedIn>>}
       */
      linkAccount: (fields) => api("anonymous/link-account", { method: "POST", body: fields }),
    },
    /**
     * Who is signed in (`GET get-session`); `data` is `null` for nobody.
     * @returns {Promise<Result<Session|null>>}
     */
    getSession: () => api("get-session"),
    /**
     * End the session on the server (`POST sign-out`).
     * @returns {Promise<Result<{success: true}>>}
     */
    signOut: () => endSession("sign-out"),
    /**
     * Delete the signed-in anonymous user and its session (`POST delete-anonymous-user`).
     * @returns {Promise<Result<{success: true}>>}
     */
    deleteAnonymousUser: () => endSession("delete-anonymous-user"),
    request,
    /** The bearer token in use (`null` in cookie mode or without a session). */
    get token() {
      return token;
    },
  };
}
