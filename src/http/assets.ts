import { deflateSync, crc32 } from 'node:zlib';

/** Monban's one stylesheet, served by Monban itself (no third-party assets). Readable down to 320 px wide. */
export const STYLESHEET = `
/* --muted is 7:1 against white (#777 was 4.47:1, below WCAG AA's 4.5:1); dark mode gets its own shades. */
:root { color-scheme: light dark; --accent: #b0343c; --accent-text: #b0343c; --muted: #595959; --border: #ccc8;
  --ok: #2f7d32; }
@media (prefers-color-scheme: dark) { :root { --accent-text: #ff8f95; --muted: #b3b3b3; --ok: #7bd17f; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; overflow-wrap: anywhere; }
a { color: inherit; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 0; padding: .5rem; background: Canvas; }
.skip:focus { left: .5rem; }
header.top { position: relative; display: flex; justify-content: space-between; align-items: center;
  gap: .5rem 1rem; padding: .75rem 1rem; border-bottom: 1px solid var(--border); }
header.top .brand { font-weight: 700; text-decoration: none; color: inherit; white-space: nowrap; }
header.top .menus { display: flex; gap: .5rem 1rem; align-items: center; flex-wrap: wrap; justify-content: flex-end; }
header.top nav { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
header.top .who { color: var(--muted); }
header.top form { display: flex; gap: .5rem; align-items: center; margin: 0; }
header.top details.menu > summary { cursor: pointer; padding: .25rem .5rem; border: 1px solid var(--border);
  border-radius: .3rem; white-space: nowrap; }
.languages [aria-current] { font-weight: 600; }
/* Wider than a phone: the signed-in menu is always open, its summary hidden (layout.ts). */
@media (min-width: 40.01rem) {
  header.top details.menu > summary { display: none; }
  header.top details.menu::details-content { content-visibility: visible; display: contents; }
}
/* A phone: one line; the brand keeps its kanji, and the signed-in links open under the nickname. */
@media (max-width: 40rem) {
  header.top { padding: .5rem .75rem; }
  header.top .brand-name { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
    white-space: nowrap; }
  header.top details.menu[open] .menus { position: absolute; z-index: 1; right: .75rem; top: calc(100% - .25rem);
    flex-direction: column; align-items: flex-start; padding: .75rem 1rem; background: Canvas;
    border: 1px solid var(--border); border-radius: .5rem; box-shadow: 0 .25rem 1rem #0003; }
  header.top details.menu nav { flex-direction: column; align-items: flex-start; gap: .5rem; }
  header.top details.menu nav.languages { flex-direction: row; }
}
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
input:not([type=checkbox]), textarea, select { width: 100%; padding: .5rem; font: inherit;
  border: 1px solid var(--border); border-radius: .3rem; }
textarea { min-height: 5rem; resize: vertical; }
input[type=checkbox] { width: 1.1rem; height: 1.1rem; flex: none; }
[aria-invalid=true] { border-color: var(--accent) !important; }
fieldset { border: 0; padding: 0; margin: 1rem 0; min-width: 0; }
legend { font-weight: 600; }
button, .button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; border-radius: .3rem;
  border: 1px solid var(--border); cursor: pointer; background: none; color: inherit; text-decoration: none;
  display: inline-block; text-align: center; }
button.primary, .button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger, .button.danger { color: var(--accent-text); border-color: var(--accent); }
button.link { border: 0; background: none; padding: 0; margin: 0; color: inherit; text-decoration: underline; }
button.copy { margin: 0 0 0 .5rem; padding: .2rem .6rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0 .75rem; align-items: center; }
form.inline { display: inline; }
.error, .b-errors, .field-errors, .notice.error { color: var(--accent-text); }
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
.titled { display: flex; gap: .75rem; align-items: center; }
.titled > img { flex: none; border-radius: .5rem; }
img.uploaded { object-fit: cover; }
.titled h1, .titled h3 { margin: 0; }
.applications .titled { margin-bottom: .25rem; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0; }
dl.details dt { color: var(--muted); }
dl.details dd { margin: 0; }
@media (max-width: 30rem) { dl.details { grid-template-columns: 1fr; } dl.details dd { margin-bottom: .5rem; } }
/* The account page's security events (pages/security-events.ts): scrolls sideways on a phone, not the page. */
.table-scroll { overflow-x: auto; }
table.events { border-collapse: collapse; width: 100%; font-size: .9rem; overflow-wrap: normal; }
table.events th, table.events td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-top: 1px solid var(--border); }
table.events th { color: var(--muted); font-weight: normal; border-top: 0; }
table.events td:nth-child(1), table.events td:nth-child(4) { white-space: nowrap; }
table.events td.user-agent { color: var(--muted); overflow-wrap: anywhere; min-width: 12rem; }
/* The consent page: the application first and large, then who asks, what for, and where the answer goes. */
.consent .application-card { display: flex; gap: 1rem; align-items: flex-start; margin: 1rem 0; }
.consent .application-card img { flex: none; border-radius: .5rem; }
.consent .application-name { font-size: 1.35rem; font-weight: 700; margin: 0; line-height: 1.3; }
.consent .application-owner { color: var(--muted); margin: 0; }
.consent .application-card p { margin: .25rem 0 0; }
.consent .return-to { margin: 1rem 0; padding: .5rem .75rem; border-left: 3px solid var(--accent); }
.consent .return-to strong { overflow-wrap: anywhere; }
.consent .decision { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; margin-top: 1rem; }
.consent .decision button { width: 100%; margin: 0; }
.profile .avatar { border-radius: 50%; }
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

/** A PNG of 8-bit RGBA pixels, row by row. */
function rgbaPng(width: number, height: number, pixels: (x: number, y: number) => [number, number, number, number]) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // RGBA
  const rows = Array.from({ length: height }, (_, y) => {
    const row = Buffer.alloc(1 + width * 4); // filter byte 0: none
    for (let x = 0; x < width; x++) row.set(pixels(x, y), 1 + x * 4);
    return row;
  });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Monban's icon, a gate (門番: gatekeeper): two white posts under a lintel on the accent colour. The bars are in a
 * 32-unit grid, so that the SVG (for browsers that take one) and the 32 px ICO (/favicon.ico) are the same picture.
 */
const GATE_BARS: ReadonlyArray<readonly [x: number, y: number, width: number, height: number]> = [
  [4, 6, 24, 4],
  [7, 13, 18, 3],
  [8, 10, 4, 16],
  [20, 10, 4, 16],
];

const gateRects = GATE_BARS.map(([x, y, w, h]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#fff"/>`);

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  `<rect width="32" height="32" rx="6" fill="#b0343c"/>${gateRects.join('')}</svg>\n`;

/** /favicon.ico: an ICO file holding one 32 px PNG (allowed in ICO since Windows Vista, read by every browser). */
export function faviconIco(): Buffer {
  const size = 32;
  const inBar = (x: number, y: number) =>
    GATE_BARS.some(([bx, by, w, h]) => x >= bx && x < bx + w && y >= by && y < by + h);
  // The rounded corners: transparent outside a quarter circle of radius 6.
  const outside = (x: number, y: number) => {
    const cx = x < 6 ? 6 : x > size - 7 ? size - 7 : x;
    const cy = y < 6 ? 6 : y > size - 7 ? size - 7 : y;
    return (x - cx) ** 2 + (y - cy) ** 2 > 36;
  };
  const png = rgbaPng(size, size, (x, y) =>
    outside(x, y) ? [0, 0, 0, 0] : inBar(x, y) ? [255, 255, 255, 255] : [0xb0, 0x34, 0x3c, 255],
  );
  const header = Buffer.alloc(6 + 16);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(size, 6); // width
  header.writeUInt8(size, 7); // height
  header.writeUInt8(0, 8); // no palette
  header.writeUInt8(0, 9); // reserved
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(header.length, 18); // the PNG's offset
  return Buffer.concat([header, png]);
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
