import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Browser } from '../helpers/browser.js';
import { formFields } from './pages-support.js';

/** Shared by the suites that send bursts of form posts (issue 9: throttles that a burst walks through). */

export type PreparedPost = () => Promise<LightMyRequestResponse>;

/**
 * Opens the page now, in a fresh browser, and returns the post of its form `formId` with these fields typed in,
 * from this address, to be sent later: a burst opens every page first, then sends every post at once.
 */
export async function preparePost(
  server: FastifyInstance,
  address: string,
  path: string,
  formId: string,
  typed: Record<string, string>,
): Promise<PreparedPost> {
  const headers = { 'accept-language': 'en' };
  const browser = new Browser(server);
  const page = await browser.get(path, headers);
  assert.equal(page.statusCode, 200);
  const form = formFields(page.body, formId);
  const fields = [...form.fields.filter(([name]) => !(name in typed)), ...Object.entries(typed)];
  return () =>
    browser.request({
      method: 'POST',
      url: form.action,
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
}

/** The items in a random order (Fisher-Yates). */
export function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** How many answers had each status, e.g. `{ 401: 10, 429: 30 }`. */
export function statusCounts(responses: LightMyRequestResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
  return counts;
}

/** Every refusal of a burst is the throttle's own page: 429 with Retry-After, no session. */
export function assertAllThrottled(responses: LightMyRequestResponse[], message: RegExp): void {
  for (const r of responses) {
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '900');
    assert.match(r.body, message);
    assert.equal(
      r.cookies.some((c) => c.name === '_monban_session'),
      false,
    );
  }
}

/**
 * 39 wrong passwords and the right one, in a random order: `post(i, password)` prepares attempt i. Sends them all
 * at once and checks what the issue asks: at most `limit` wrong passwords judged (every other answer is 429), and
 * the right password in only if it was judged among them, before the limit.
 */
export async function burstOfSignIns(
  limit: number,
  rightPassword: string,
  post: (i: number, password: string) => Promise<PreparedPost>,
): Promise<void> {
  const passwords = shuffled([rightPassword, ...Array.from({ length: 39 }, (_, i) => `wrong guess ${i}`)]);
  const prepared = await Promise.all(passwords.map((password, i) => post(i, password)));
  const responses = await Promise.all(prepared.map((send) => send()));
  const right = responses[passwords.indexOf(rightPassword)];
  assert.ok(right);
  const counts = statusCounts(responses);
  const rightGotIn = right.statusCode === 303;
  const where = `right password at ${passwords.indexOf(rightPassword)}, answers ${JSON.stringify(counts)}`;
  assert.equal(rightGotIn || right.statusCode === 429, true, where);
  assert.deepEqual(Object.keys(counts).filter((status) => !['303', '401', '429'].includes(status)), [], where);
  const wrongJudged = counts[401] ?? 0;
  const judged = wrongJudged + (counts[303] ?? 0);
  assert.ok(wrongJudged <= limit, where);
  // Every place was taken (the first `limit` attempts always get one). The right password's place is given back
  // once it is judged (a success is no failure), so it may go to one more attempt: only then is one more judged.
  assert.ok(judged >= limit && judged <= limit + (rightGotIn ? 1 : 0), where);
  assertAllThrottled(
    responses.filter((r) => r.statusCode === 429),
    /Too many failed sign-ins\. Try again later\./,
  );
}
