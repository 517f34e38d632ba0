import { deflateSync, crc32 } from 'node:zlib';

/** Monban's one stylesheet, served by Monban itself (no third-party assets). Readable down to 320 px wide. */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #b0343c; --muted: #777; --border: #ccc8; --ok: #2f7d32; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
a { color: inherit; }
.skip { position: absolute; left: -999px; top: 0; padding: .5rem; background: Canvas; }
.skip:focus { left: .5rem; }
header.top { display: flex; justify-content: space-between; align-items: center; gap: .5rem 1rem; flex-wrap: wrap;
  padding: .75rem 1rem; border-bottom: 1px solid var(--border); }
header.top .brand { font-weight: 700; text-decoration: none; color: inherit; }
header.top nav { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
header.top nav.account { margin-left: auto; }
header.top .who { color: var(--muted); }
header.top form { display: flex; gap: .5rem; align-items: center; margin: 0; }
.languages [aria-current] { font-weight: 600; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
.card { border: 1px solid var(--border); border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
.card.narrow { max-width: 26rem; margin-inline: auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.1rem; font-weight: 500; margin: 0 0 1rem; }
h3 { font-size: 1rem; margin: 0 0 .25rem; }
label { display: block; margin: .75rem 0 .25rem; }
label.scope { display: flex; gap: .5rem; align-items: baseline; margin: .4rem 0; }
label.scope.disabled { color: var(--muted); }
label.scope code { white-space: nowrap; }
input:not([type=checkbox]), textarea, select { width: 100%; padding: .5rem; font: inherit; border: 1px solid var(--border);
  border-radius: .3rem; }
textarea { min-height: 5rem; resize: vertical; }
input[type=checkbox] { width: 1.1rem; height: 1.1rem; flex: none; }
[aria-invalid=true] { border-color: var(--accent) !important; }
fieldset { border: 0; padding: 0; margin: 1rem 0; min-width: 0; }
legend { font-weight: 600; }
button, .button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; border-radius: .3rem; border: 1px solid var(--border);
  cursor: pointer; background: none; color: inherit; text-decoration: none; display: inline-block; }
button.primary, .button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--accent); border-color: var(--accent); }
button.link { border: 0; background: none; padding: 0; margin: 0; color: inherit; text-decoration: underline; }
button.copy { margin: 0 0 0 .5rem; padding: .2rem .6rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0 .75rem; align-items: center; }
form.inline { display: inline; }
form#deny { display: inline; }
.error, .b-errors, .field-errors, .notice.error { color: var(--accent); }
.notice.success { color: var(--ok); }
.field-errors { margin: .25rem 0 0; padding-left: 1.25rem; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
code { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
#authorization_code, .secret { font-size: 1.1rem; padding: .25rem .5rem; border: 1px dashed var(--border);
  user-select: all; display: inline-block; }
.application-description { color: var(--muted); white-space: pre-line; }
ul.applications { list-style: none; padding: 0; margin: 0; }
ul.applications > li { border-top: 1px solid var(--border); padding: .75rem 0; }
ul.applications > li:first-child { border-top: 0; }
ul.scopes { margin: .25rem 0; padding-left: 1.25rem; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dl.details dt { color: var(--muted); }
dl.details dd { margin: 0; }
@media (max-width: 30rem) { dl.details { grid-template-columns: 1fr; } dl.details dd { margin-bottom: .5rem; } }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`;

/**
 * Monban's one script, served from /assets (the CSP allows scripts only from Monban itself): it reveals the copy
 * buttons, which copy the text of the element their data-copy names. Without it the text is still selectable.
 */
export const SCRIPT = `"use strict";
function monbanSelect(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}
for (const button of document.querySelectorAll("button[data-copy]")) {
  const target = document.getElementById(button.dataset.copy);
  if (!target) continue;
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = target.textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      monbanSelect(target);
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}
`;

/** Avatar sizes Shikimori's whoami lists under "image" (compatibility.md §5). */
export const AVATAR_SIZES = [160, 148, 80, 64, 48, 32, 16] as const;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A square grey PNG: the "missing avatar" every Monban user has until avatars exist. */
export function placeholderAvatar(size: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const row = Buffer.alloc(size + 1, 0xc8);
  row[0] = 0; // filter: none
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
