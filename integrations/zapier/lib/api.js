'use strict';

// How every request reaches Ringback: relative paths are put under the deployment's URL, the
// key goes in Authorization, and a refusal becomes a Zapier error carrying the API's own message.

// Ringback is self-hosted: each deployment publishes this app for its own host, set per app
// version with `zapier env:set <version> RINGBACK_API_URL=https://…` (the tests point it at
// `npm run dev`). A hosted, public app would write its one production host here instead.
const apiUrl = () => {
  const url = process.env.RINGBACK_API_URL;
  if (!url) {
    throw new Error('RINGBACK_API_URL is not set: run `zapier env:set <version> RINGBACK_API_URL=https://your-ringback-host`');
  }
  return url.replace(/\/+$/, '');
};

const toRingback = (request, _z, bundle) => {
  if (request.url.startsWith('/')) request.url = apiUrl() + request.url;
  const key = bundle.authData?.api_key;
  if (key) request.headers = { ...request.headers, Authorization: `Bearer ${key}` };
  return request;
};

const parse = (content) => {
  try {
    return JSON.parse(content);
  } catch {
    return null;
  }
};

const listed = (label, fields) => (Array.isArray(fields) && fields.length ? ` (${label}: ${fields.join(', ')})` : '');

/**
 * The API's explanation, whichever dialect it speaks: problem+json (the native API: title,
 * detail and every field issue), callvine's {error, message, *_fields} (call logs), or
 * CallMeBack's and Calldock's {error}.
 */
const messageOf = (body, status) => {
  if (!body || typeof body !== 'object') return `Ringback answered HTTP ${status}`;
  if (typeof body.title === 'string') {
    const issues = Array.isArray(body.errors) ? body.errors.map((e) => `${e.path}: ${e.message}`) : [];
    const head = body.detail || body.title;
    return issues.length ? `${head} ${issues.join('; ')}` : head;
  }
  if (typeof body.message === 'string') {
    return body.message + listed('missing', body.missing_fields) + listed('invalid', body.invalid_fields) + listed('unknown', body.unknown_fields);
  }
  if (typeof body.error === 'string') return body.error;
  if (body.error && typeof body.error.message === 'string') return body.error.message;
  return `Ringback answered HTTP ${status}`;
};

/** Throws the Zapier error for a refused request, with the API's message. */
const refuse = (response, z) => {
  const body = parse(response.content);
  const message = messageOf(body, response.status);
  if (response.status === 401) throw new z.errors.ExpiredAuthError(`${message}: reconnect with a working Ringback secret key`);
  if (response.status === 429) {
    const wait = Number(response.getHeader('retry-after'));
    throw new z.errors.ThrottledError(message, Number.isFinite(wait) && wait > 0 ? wait : 60);
  }
  const code = body && typeof body.code === 'string' ? body.code : body && typeof body.error === 'string' ? body.error : undefined;
  throw new z.errors.Error(message, code, response.status);
};

// After every response; a request made with skipThrowForStatus reads its refusals itself.
const surfaceErrors = (response, z) => (response.status < 400 || response.skipThrowForStatus ? response : refuse(response, z));

/** The parsed body of a successful request. */
const call = async (z, options) => (await z.request(options)).data;

module.exports = { apiUrl, toRingback, surfaceErrors, refuse, messageOf, call };
