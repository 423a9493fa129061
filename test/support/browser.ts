import { TestApp } from './test-app';

export interface BrowserResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  /** The Location header, for redirects. */
  location?: string;
}

/**
 * A minimal cookie-keeping browser over Fastify's inject, for driving the login and consent
 * pages in e2e tests without a real browser.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly sut: TestApp) {}

  async get(url: string): Promise<BrowserResponse> {
    return this.send('GET', url);
  }

  async post(url: string, form: Record<string, string>): Promise<BrowserResponse> {
    return this.send('POST', url, new URLSearchParams(form).toString());
  }

  /** A JSON POST with this browser's cookies (the passkey ceremonies' endpoints). */
  async postJson(url: string, body: unknown): Promise<BrowserResponse> {
    return this.send('POST', url, JSON.stringify(body), 'application/json');
  }

  /** The hidden inputs of the first form on a page. */
  static hiddenFields(html: string): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const match of html.matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g,
    )) {
      fields[match[1]] = match[2]
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>');
    }
    return fields;
  }

  private async send(
    method: string,
    url: string,
    payload?: string,
    contentType = 'application/x-www-form-urlencoded',
  ): Promise<BrowserResponse> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0)
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (payload !== undefined) headers['content-type'] = contentType;
    const response = await this.sut.request({ method, url, headers, payload });
    const setCookie = response.headers['set-cookie'];
    for (const line of Array.isArray(setCookie)
      ? setCookie
      : setCookie
        ? [String(setCookie)]
        : []) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = pair.split('=');
      const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const location = response.headers.location;
    return { ...response, location: typeof location === 'string' ? location : undefined };
  }
}
