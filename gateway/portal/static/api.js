// One GraphQL request to the gateway. The session cookie (HttpOnly) goes along by itself; a background
// request (polling) says so, so that it does not keep the session alive (docs/frontend/authentication.md).
export class SessionEnded extends Error {}

let onActivity = () => {};

/** Call `fn` after every successful request the user made (it moved the server's idle window). */
export function whenActive(fn) {
  onActivity = fn;
}

export async function gql(query, variables = {}, { background = false } = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (background) headers['x-background-request'] = '1';
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  const codes = (body.errors || []).map((error) => error.extensions && error.extensions.code);
  if (codes.includes('SESSION_EXPIRED') || codes.includes('UNAUTHENTICATED')) {
    throw new SessionEnded(codes.includes('SESSION_EXPIRED') ? 'expired' : 'none');
  }
  if (body.errors) throw new Error(body.errors[0].message);
  if (!background) onActivity();
  return body.data;
}

/** A fresh idempotency key for one new request (retries of the same request reuse it). */
export function newKey() {
  return `portal-${crypto.randomUUID()}`;
}

/**
 * Tickets for one part of the page that reloads: `const current = next()` before a request, and after it
 * `current()` tells whether it is still the newest. A slower answer to an earlier choice (the first load,
 * another family member) must never replace what the patient chose since.
 */
export function newest() {
  let latest = 0;
  return () => {
    const mine = ++latest;
    return () => mine === latest;
  };
}
