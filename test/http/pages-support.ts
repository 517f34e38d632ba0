import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { decodeEntities, type Browser } from '../helpers/browser.js';

/** Shared by the page suites (test/http/pages*.test.ts, test/http/applications*.test.ts). */

/** The HTML of `form#id`. */
export function formHtml(page: string, id: string): string {
  const form = new RegExp(`<form\\b[^>]*\\bid="${id}"[^>]*>[\\s\\S]*?</form>`).exec(page)?.[0];
  if (!form) throw new Error(`no form#${id} in ${page.slice(0, 800)}`);
  return form;
}

/**
 * What a browser without JavaScript would send for `form#id`: inputs (ticked checkboxes only, never disabled ones)
 * and textareas, in order, with the form's action.
 */
export function formFields(page: string, id: string): { action: string; fields: Array<[string, string]> } {
  const form = formHtml(page, id);
  const action = decodeEntities(/\baction="([^"]*)"/.exec(form)?.[1] ?? '');
  const fields: Array<[string, string]> = [];
  for (const match of form.matchAll(/<input\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>/g)) {
    const tag = match[0];
    const name = /\bname="([^"]*)"/.exec(tag)?.[1];
    if (name === undefined || /\sdisabled\b/.test(tag.split('>')[0] ?? '')) continue;
    if (tag.startsWith('<textarea')) {
      fields.push([name, decodeEntities(match[1] ?? '')]);
      continue;
    }
    if (/type="checkbox"/.test(tag) && !/\schecked\b/.test(tag)) continue;
    fields.push([name, decodeEntities(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '')]);
  }
  return { action, fields };
}

/**
 * Submits `form#id` with changes: a string replaces a field, an array replaces every value of a repeated field
 * (checkboxes), null removes the field.
 */
export function submitForm(
  browser: Browser,
  page: string,
  id: string,
  changes: Record<string, string | string[] | null> = {},
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const form = formFields(page, id);
  const fields = form.fields.filter(([name]) => !(name in changes));
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) fields.push([name, v]);
  }
  return browser.post(form.action, fields, headers);
}

/** The text inside the element with this id (nested elements included), tags removed, white space collapsed. */
export function textOf(page: string, id: string): string {
  const start = new RegExp(`<(\\w+)\\b[^>]*\\bid="${id}"[^>]*>`).exec(page);
  if (!start) throw new Error(`no #${id} in page`);
  const tag = start[1] ?? '';
  const from = start.index + start[0].length;
  const tags = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'g');
  tags.lastIndex = from;
  let depth = 1;
  let end = page.length;
  for (let m = tags.exec(page); m; m = tags.exec(page)) {
    depth += m[1] === '/' ? -1 : 1;
    if (depth === 0) {
      end = m.index;
      break;
    }
  }
  return decodeEntities(page.slice(from, end).replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}

export function hasElement(page: string, id: string): boolean {
  return new RegExp(`\\bid="${id}"`).test(page);
}

/** The values of the ticked checkboxes named `name` in form#id. */
export function checked(page: string, id: string, name: string): string[] {
  return formFields(page, id)
    .fields.filter(([n]) => n === name)
    .map(([, v]) => v);
}

/** The headers every page answers with (issue: "Safe by construction"; security.md #41). */
export function assertPageHeaders(response: LightMyRequestResponse): void {
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store');
  const csp = String(response.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers['x-frame-options'], 'DENY');
}

/** A page runs no inline script and loads nothing from elsewhere. */
export function assertNoInlineScriptOrForeignAsset(page: string): void {
  for (const script of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    assert.match(script[1] ?? '', /\bsrc="\/assets\//, 'every script is Monban\'s own file');
    assert.equal(script[2], '', 'no inline script');
  }
  assert.doesNotMatch(page, /\son[a-z]+="/, 'no inline event handlers');
  assert.doesNotMatch(page, /\bstyle="/, 'no inline style');
  assert.doesNotMatch(page, /(src|href)="(https?:)?\/\//, 'no asset or link from another origin');
}

/**
 * A form that creates something answers 303 (post/redirect/get); this follows it as a browser would, and returns
 * the page the redirect leads to (the credentials page, which shows a new secret once).
 */
export async function followSeeOther(
  browser: Browser,
  response: LightMyRequestResponse,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  assert.equal(response.statusCode, 303, response.body);
  assert.equal(response.headers['cache-control'], 'no-store');
  const location = String(response.headers.location ?? '');
  assert.match(location, /^\/oauth\/applications\/\d+\/credentials\?reveal=[A-Za-z0-9_-]{43}$/);
  return browser.get(location, headers);
}
