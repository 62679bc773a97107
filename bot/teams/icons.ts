/**
 * Draws the Teams app's two icons: color.png (192×192, a white speech bubble on the council blue)
 * and outline.png (32×32, the same bubble in white on transparent, as Teams requires). Plain
 * geometry and a minimal PNG writer, so the committed files can be remade without an image tool:
 *
 *   node --import tsx bot/teams/icons.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** GOV.UK blue, also the manifest's accentColor. */
export const ACCENT = '#1d70b8';
const BLUE: Rgb = [0x1d, 0x70, 0xb8];
type Rgb = [number, number, number];

/** Where a shape lies, in a unit square (0..1 on both axes, y down). */
type Shape = (x: number, y: number) => boolean;

function roundedRect(left: number, top: number, right: number, bottom: number, r: number): Shape {
  return (x, y) => {
    if (x < left || x > right || y < top || y > bottom) return false;
    const cx = Math.min(Math.max(x, left + r), right - r);
    const cy = Math.min(Math.max(y, top + r), bottom - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
}

function triangle(a: [number, number], b: [number, number], c: [number, number]): Shape {
  const side = (p: [number, number], q: [number, number], x: number, y: number) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  return (x, y) => {
    const d1 = side(a, b, x, y);
    const d2 = side(b, c, x, y);
    const d3 = side(c, a, x, y);
    return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
  };
}

function circle(cx: number, cy: number, r: number): Shape {
  return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** A speech bubble with a tail at the bottom left and three dots ("typing") cut out of it. */
const bubbleBody = roundedRect(0.16, 0.2, 0.84, 0.68, 0.11);
const bubbleTail = triangle([0.28, 0.6], [0.48, 0.6], [0.24, 0.84]);
const dots = [circle(0.34, 0.44, 0.05), circle(0.5, 0.44, 0.05), circle(0.66, 0.44, 0.05)];
const inBubble: Shape = (x, y) => (bubbleBody(x, y) || bubbleTail(x, y)) && !dots.some((d) => d(x, y));

/** The fraction of a pixel the shape covers, sampled on a 4×4 grid: smooth edges. */
function coverage(shape: Shape, px: number, py: number, size: number): number {
  const n = 4;
  let hits = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (shape((px + (i + 0.5) / n) / size, (py + (j + 0.5) / n) / size)) hits++;
  return hits / (n * n);
}

/** RGBA rows, top first. */
export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function drawColorIcon(size = 192): Image {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const white = coverage(inBubble, x, y, size);
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(BLUE[c]! * (1 - white) + 255 * white);
      rgba[i + 3] = 255;
    }
  return { width: size, height: size, rgba };
}

export function drawOutlineIcon(size = 32): Image {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const alpha = Math.round(255 * coverage(inBubble, x, y, size));
      const i = (y * size + x) * 4;
      // White wherever anything shows; fully transparent pixels are (0,0,0,0), as encoders store them.
      const v = alpha ? 255 : 0;
      rgba.set([v, v, v, alpha], i);
    }
  return { width: size, height: size, rgba };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG, every row unfiltered (filter type 0). */
export function encodePng(image: Image): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const stride = image.width * 4;
  const raw = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) raw.set(image.rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const ICON_FILES = { color: 'color.png', outline: 'outline.png' } as const;

export function writeIcons(dir: string): void {
  fs.writeFileSync(path.join(dir, ICON_FILES.color), encodePng(drawColorIcon()));
  fs.writeFileSync(path.join(dir, ICON_FILES.outline), encodePng(drawOutlineIcon()));
}

if (require.main === module) {
  writeIcons(__dirname);
  console.info(`Wrote ${ICON_FILES.color} and ${ICON_FILES.outline} in ${__dirname}`);
}
