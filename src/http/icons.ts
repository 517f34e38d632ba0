import { createHash } from 'node:crypto';
import { html, type SafeHtml } from './pages/html.js';

/**
 * Pictures drawn from a name, for applications without an uploaded icon and users without an avatar: the name's
 * initials, white on a colour derived from the name (the same name, the same colour, in every process).
 */

/** Up to two letters: the first of the first two words, else the first two characters ("My app" MA, "kaori" KA). */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s._-]+/u)
    .filter((word) => /[\p{L}\p{N}]/u.test(word));
  const letters = (word: string) => [...word].filter((c) => /[\p{L}\p{N}]/u.test(c));
  const first = words[0] ? letters(words[0]) : [];
  const second = words[1] ? letters(words[1]) : [];
  const picked = second.length > 0 ? [first[0], second[0]] : first.slice(0, 2);
  return picked.join('').toUpperCase() || '?';
}

/**
 * A hue from the name's hash, at a saturation and lightness dark enough for white letters (at least 4.5:1 against
 * white whatever the hue: WCAG AA for the letters, although they are decorative).
 */
export function colourOf(name: string): string {
  const hue = createHash('sha256').update(name, 'utf8').digest().readUInt16BE(0) % 360;
  return `hsl(${hue} 55% 28%)`;
}

/** The SVG document of the picture: 64 units square, a rounded square (an application) or a circle (an avatar). */
export function nameIconSvg(name: string, options: { round?: boolean } = {}): string {
  const text = initials(name);
  const corner = options.round ? 32 : 14;
  const fontSize = text.length > 1 ? 26 : 32;
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
    <rect width="64" height="64" rx="${corner}" fill="${colourOf(name)}"/>
    <text x="32" y="33" fill="#fff" font-family="system-ui, sans-serif" font-size="${fontSize}" font-weight="600"
      text-anchor="middle" dominant-baseline="central">${text}</text></svg>`.value;
}

/**
 * The picture as an image of `size` CSS pixels: a data: URL (the CSP allows images from data:), so that it costs no
 * request, and with an empty alt, since the name it is drawn from is always written beside it.
 */
export function nameIcon(
  name: string,
  size: number,
  options: { round?: boolean; className?: string } = {},
): SafeHtml {
  const url = `data:image/svg+xml;base64,${Buffer.from(nameIconSvg(name, options), 'utf8').toString('base64')}`;
  return html`<img class="${options.className ?? 'icon'}" src="${url}" width="${size}" height="${size}" alt="">`;
}
