'use strict';
// A minimal cookie-keeping browser over fetch (manual redirects) and the steps of the
// authorization code flow through Gatehouse's pages: /authorize, the login form, the consent
// form, the redirect back to the client and the code exchange at /token (RFC 6749 §4.1).
// Used to set scenarios up (refresh token families) and to measure whole flows.
const { createHash, randomBytes } = require('node:crypto');

const FORM = 'application/x-www-form-urlencoded';

const ENTITIES = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };

/** The hidden inputs of a page's forms, whatever the attribute order or closing style. */
function hiddenFields(html) {
  const fields = {};
  for (const [input] of html.matchAll(/<input\b[^>]*>/g)) {
    if (!/\btype="hidden"/.test(input)) continue;
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1] ?? '';
    if (name) fields[name] = value.replace(/&(amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity]);
  }
  return fields;
}

/** RFC 7636 §4.1/§4.2: a fresh verifier and its S256 challenge. */
function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

class FlowError extends Error {}

function expectStep(what, response, status, locationPrefix) {
  if (response.status !== status) {
    throw new FlowError(
      `${what}: expected ${status}, got ${response.status} ${response.location ?? ''} ${response.text.slice(0, 200)}`,
    );
  }
  if (locationPrefix !== undefined && !response.location?.startsWith(locationPrefix)) {
    throw new FlowError(
      `${what}: expected a redirect to ${locationPrefix}…, got ${response.location}`,
    );
  }
  return response;
}

/** One user agent: its own cookies, no automatic redirects. */
class Browser {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.cookies = new Map();
    /** HTTP requests this browser made. */
    this.requests = 0;
  }

  cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  keepCookies(headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1).trim());
    }
  }

  async request(method, path, { headers = {}, body } = {}) {
    this.requests += 1;
    const cookie = this.cookieHeader();
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      body,
    });
    this.keepCookies(response.headers);
    const text = await response.text();
    return { status: response.status, location: response.headers.get('location'), text };
  }

  get(path) {
    return this.request('GET', path);
  }

  postForm(path, form, headers = {}) {
    return this.request('POST', path, {
      headers: { 'content-type': FORM, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** The login form without a pending authorization request: 303 to /account. */
  async signIn(user) {
    const page = expectStep('GET /login', await this.get('/login'), 200);
    const login = await this.postForm('/login', {
      ...hiddenFields(page.text),
      username: user.username,
      password: user.password,
    });
    expectStep('POST /login', login, 303);
    if (login.location !== '/account') {
      throw new FlowError(`POST /login: expected a redirect to /account, got ${login.location}`);
    }
  }

  /**
   * /authorize → (login) → (consent) → the redirect back to the client; resolves with the code
   * and the PKCE verifier. Login is skipped when this browser is signed in, consent when the
   * user already consented (unless `prompt` says consent).
   */
  async authorize(client, user, { scope, redirectUri, prompt } = {}) {
    const pkce = pkcePair();
    const state = randomBytes(8).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...(prompt ? { prompt } : {}),
    });
    let step = expectStep('GET /authorize', await this.get(`/authorize?${query}`), 302);
    if (step.location?.startsWith('/login?')) {
      const page = expectStep('GET /login', await this.get(step.location), 200);
      const login = await this.postForm('/login', {
        ...hiddenFields(page.text),
        username: user.username,
        password: user.password,
      });
      expectStep('POST /login', login, 303, '/authorize/continue?');
      step = expectStep('GET /authorize/continue', await this.get(login.location), 302);
    }
    if (step.location?.startsWith('/consent?')) {
      const page = expectStep('GET /consent', await this.get(step.location), 200);
      step = expectStep(
        'POST /consent',
        await this.postForm('/consent', { ...hiddenFields(page.text), decision: 'allow' }),
        303,
      );
    }
    if (!step.location?.startsWith(`${redirectUri}?`)) {
      throw new FlowError(`expected the redirect back to ${redirectUri}, got ${step.location}`);
    }
    const callback = new URL(step.location);
    const code = callback.searchParams.get('code');
    if (!code || callback.searchParams.get('state') !== state) {
      throw new FlowError(`no code or the wrong state in ${step.location}`);
    }
    return { code, verifier: pkce.verifier };
  }

  /** The code exchange (RFC 6749 §4.1.3) as a confidential client; resolves with the tokens. */
  async exchange(client, { code, verifier }, redirectUri) {
    const response = await this.postForm(
      '/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      },
      { authorization: client.authorization },
    );
    expectStep('POST /token', response, 200);
    const tokens = JSON.parse(response.text);
    if (!tokens.access_token || !tokens.id_token || !tokens.refresh_token) {
      throw new FlowError(`POST /token: missing tokens in ${response.text.slice(0, 200)}`);
    }
    return tokens;
  }
}

module.exports = { Browser, FlowError, hiddenFields, pkcePair };
