import { expect } from 'expect';
import { describe, it } from 'node:test';
import { escapeHtml, Html, html, layout } from './html';

describe(escapeHtml.name, () => {
  const sut = escapeHtml;

  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(sut(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes & first, so an entity is shown as typed rather than decoded', () => {
    expect(sut('&lt;')).toBe('&amp;lt;');
  });

  it('leaves other text alone', () => {
    expect(sut('Alice Liddell – ünïcode 🔑')).toBe('Alice Liddell – ünïcode 🔑');
  });
});

describe(html.name, () => {
  const sut = html;

  it('escapes every interpolated string', () => {
    const name = '"><script>alert(1)</script>';
    expect(sut`<input value="${name}">`.value).toBe(
      '<input value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
    );
  });

  it('inserts nested Html unescaped, so templates compose', () => {
    const inner = sut`<b>${'<i>'}</b>`;
    expect(sut`<p>${inner}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
  });

  it('joins arrays, escaping strings and keeping Html', () => {
    expect(sut`<ul>${['<a>', sut`<li>${'&'}</li>`]}</ul>`.value).toBe(
      '<ul>&lt;a&gt;<li>&amp;</li></ul>',
    );
  });

  it('renders undefined, null and false as nothing, and numbers and true as text', () => {
    expect(sut`[${undefined}|${null}|${false}|${0}|${true}]`.value).toBe('[|||0|true]');
  });

  it('returns an Html whose string form is its markup', () => {
    const result = sut`<p>${'x'}</p>`;
    expect(result).toBeInstanceOf(Html);
    expect(String(result)).toBe('<p>x</p>');
  });
});

describe(layout.name, () => {
  const sut = layout;

  it('wraps a page with our stylesheet only, no referrer and an escaped title', () => {
    const page = sut('<Sign in>', html`<h1>Hi</h1>`);
    expect(page).toContain('<title>&lt;Sign in&gt; · Gatehouse</title>');
    expect(page).toMatch(/<meta name="referrer" content="no-referrer"\s*\/?>/);
    expect(page).toMatch(
      /<main class="card">\s*<p class="brand">Gatehouse<\/p>\s*<h1>Hi<\/h1>\s*<\/main>/,
    );
    expect(page).toMatch(/^<!doctype html>\s*<html lang="en">/);
  });

  it('loads no external resource: the only link and no script is our own stylesheet', () => {
    const page = sut('t', html``);
    expect([...page.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1])).toEqual([
      '/assets/gatehouse.css',
    ]);
    expect(page).not.toContain('<script');
  });
});
