import { expect } from 'expect';
import { hiddenFields, REDIRECT_URI, TestUser } from './code-flow';

/**
 * A browser reduced to what the login and consent pages need: real HTTP over the socket,
 * redirects not followed (each hop is checked), cookies carried by hand.
 */
export class FetchBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async get(url: string): Promise<Response> {
    return this.send(url, { method: 'GET' });
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set(
        'cookie',
        [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      );
    }
    const response = await fetch(new URL(url, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

/** Follows /authorize through the login form and the consent page to the client's callback. */
export async function signInThroughPages(
  base: string,
  authorizationUrl: URL,
  user: TestUser,
): Promise<URL> {
  const browser = new FetchBrowser(base);
  const start = await browser.get(authorizationUrl.href);
  expect(start.status).toBe(302);
  const loginUrl = start.headers.get('location')!;
  expect(loginUrl).toMatch(/^\/login\?interaction=/);

  const loginPage = await browser.get(loginUrl);
  expect(loginPage.status).toBe(200);
  const login = await browser.post('/login', {
    ...hiddenFields(await loginPage.text()),
    username: user.username,
    password: user.password,
  });
  expect(login.status).toBe(303);
  const resume = await browser.get(login.headers.get('location')!);
  expect(resume.status).toBe(302);
  const consentUrl = resume.headers.get('location')!;
  expect(consentUrl).toMatch(/^\/consent\?interaction=/);

  const consentPage = await browser.get(consentUrl);
  expect(consentPage.status).toBe(200);
  const consent = await browser.post('/consent', {
    ...hiddenFields(await consentPage.text()),
    decision: 'allow',
  });
  expect(consent.status).toBe(303);
  const callback = new URL(consent.headers.get('location')!);
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  return callback;
}
