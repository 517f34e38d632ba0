/**
 * `text_html`: the note rendered as Shikimori renders its BBCode (docs/user-rates.md §2), for what its recordings
 * show: the text stripped of surrounding blanks, HTML escaped, line breaks as `<br>`, and a bare http(s) URL as
 * Shikimori's link, whose text is the URL without its scheme. Other BBCode tags are left as they are written.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A URL runs to the next blank or quote; punctuation that ends a sentence is not part of it. */
const URL = /https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)]/g;

function link(url: string): string {
  const href = escapeHtml(url);
  return `<a class="b-link" href="${href}" rel="noopener noreferrer nofollow">${href.replace(/^https?:\/\//, '')}</a>`;
}

/** Ruby's `strip`: ASCII blanks and NUL only. */
function strip(text: string): string {
  return text.replace(/^[ \t\n\v\f\r\0]+|[ \t\n\v\f\r\0]+$/g, '');
}

export function textHtml(text: string | null): string {
  if (text === null) return '';
  const stripped = strip(text);
  let html = '';
  let from = 0;
  for (const match of stripped.matchAll(URL)) {
    html += escapeHtml(stripped.slice(from, match.index)) + link(match[0]);
    from = match.index + match[0].length;
  }
  html += escapeHtml(stripped.slice(from));
  return html.replace(/\r?\n/g, '<br>');
}
