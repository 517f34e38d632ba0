import { deflateSync, crc32 } from 'node:zlib';

/** Monban's one stylesheet, served by Monban itself (no third-party assets). */
export const STYLESHEET = `
:root { color-scheme: light dark; --accent: #b0343c; --muted: #777; --border: #ccc8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { display: flex; justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap;
  padding: .75rem 1rem; border-bottom: 1px solid var(--border); }
header.top .brand { font-weight: 700; text-decoration: none; color: inherit; }
header.top form { display: flex; gap: .5rem; align-items: center; margin: 0; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
.card { border: 1px solid var(--border); border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
.card.narrow { max-width: 26rem; margin-inline: auto; }
h1 { font-size: 1.5rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.1rem; font-weight: 500; margin: 0 0 1rem; }
label { display: block; margin: .75rem 0 .25rem; }
label.scope { display: flex; gap: .5rem; align-items: baseline; margin: .4rem 0; }
input:not([type=checkbox]), textarea, select { width: 100%; padding: .5rem; font: inherit; border: 1px solid var(--border);
  border-radius: .3rem; }
fieldset { border: 0; padding: 0; margin: 1rem 0; }
legend { font-weight: 600; }
button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; border-radius: .3rem; border: 1px solid var(--border);
  cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.link { border: 0; background: none; padding: 0; margin: 0; color: inherit; text-decoration: underline; }
form#deny { display: inline; }
.error, .b-errors { color: var(--accent); }
code { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
#authorization_code { font-size: 1.2rem; padding: .25rem .5rem; border: 1px dashed var(--border); user-select: all; }
.application-description { color: var(--muted); white-space: pre-line; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`;

/** Avatar sizes Shikimori's whoami lists under "image" (ref §5). */
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
