// The Linux desktop's icon set, made from build/icon.png (512 px): one PNG per size that freedesktop's
// hicolor theme and the desktop entry look for. electron-builder copies a single PNG through at its own size
// only (app-builder-lib's iconConverter returns a .png source as it is), so a .deb or .rpm given one file
// installs a 512 px icon and nothing a panel or menu asks for; given this folder it installs every size.
//
//   node build/icons.mjs            writes build/icons/NxN.png
//   node build/icons.mjs --check    exits 1 if a committed file differs from what icon.png makes
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pngjs from 'pngjs';

export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const here = fileURLToPath(new URL('.', import.meta.url));
export const ICON_SOURCE = `${here}icon.png`;
export const ICON_DIR = `${here}icons`;

/**
 * Scales a square RGBA image down by area averaging (each target pixel is the mean of the source area it
 * covers, weighted by alpha so transparent edges do not darken). Deterministic: same input, same bytes.
 */
export function downscale(src, size) {
  const { width, height, data } = src;
  if (width !== height) throw new Error(`the icon must be square (it is ${width}x${height})`);
  if (size > width) throw new Error(`cannot make ${size} px from a ${width} px icon`);
  const out = new pngjs.PNG({ width: size, height: size });
  const scale = width / size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0,
        area = 0;
      const x0 = x * scale,
        x1 = x0 + scale,
        y0 = y * scale,
        y1 = y0 + scale;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const w = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          const i = (sy * width + sx) * 4;
          const alpha = data[i + 3] * w;
          r += data[i] * alpha;
          g += data[i + 1] * alpha;
          b += data[i + 2] * alpha;
          a += alpha;
          area += w;
        }
      }
      const o = (y * size + x) * 4;
      out.data[o] = a ? Math.round(r / a) : 0;
      out.data[o + 1] = a ? Math.round(g / a) : 0;
      out.data[o + 2] = a ? Math.round(b / a) : 0;
      out.data[o + 3] = Math.round(a / area);
    }
  }
  return out;
}

/** Every size's PNG file, as bytes, made from the source icon. */
export function iconSet(source = readFileSync(ICON_SOURCE)) {
  const src = pngjs.PNG.sync.read(source);
  return ICON_SIZES.map((size) => ({ name: `${size}x${size}.png`, size, bytes: pngjs.PNG.sync.write(downscale(src, size)) }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  mkdirSync(ICON_DIR, { recursive: true });
  for (const { name, bytes } of iconSet()) {
    const path = `${ICON_DIR}/${name}`;
    if (check) {
      let have = null;
      try {
        have = readFileSync(path);
      } catch {
        // missing: reported below
      }
      if (!have || !have.equals(bytes)) {
        console.error(`icons: ${path} is missing or was not made from icon.png (run node build/icons.mjs)`);
        stale++;
      }
    } else writeFileSync(path, bytes);
  }
  process.exit(stale ? 1 : 0);
}
