/**
 * Charts as SVG text, drawn on the server: no chart library, no script in the page, nothing
 * fetched from elsewhere. Each chart is an image to assistive technology (`role="img"`, a
 * `<title>` and a `<desc>` that says what it shows); the page puts a table of the same numbers
 * beside it. Colours are presentation attributes, not `style`, so the console's CSP (no inline
 * styles) lets them through; lines also differ by dash, so colour is never the only difference.
 */

export const COLOURS = { blue: '#1d70b8', green: '#00703c', text: '#0b0c0c', grid: '#b1b4b6', muted: '#505a5f' };
/** Light to dark, for the heat map: the darkest has the most. */
const SHADES = ['#f3f2f1', '#d2e2f1', '#a4c5e4', '#6c9fd2', '#1d70b8', '#003078'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

interface ChartText {
  /** Unique in the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  description: string;
}

function open(chart: ChartText, width: number, height: number): string {
  const id = escapeXml(chart.id);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="Arial, sans-serif" font-size="12">` +
    `<title id="${id}-title">${escapeXml(chart.title)}</title><desc id="${id}-desc">${escapeXml(chart.description)}</desc>`
  );
}

/** A top for the y axis at or above `max` that divides into `steps` whole numbers. */
export function niceTop(max: number, steps = 4): number {
  if (max <= 0) return steps;
  const raw = max / steps;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  return Math.max(steps, Math.ceil(step) * steps);
}

const fixed = (n: number) => String(Math.round(n * 10) / 10);

export interface LineSeries {
  name: string;
  values: number[];
  colour: string;
  /** An SVG dash pattern, e.g. "6 4"; solid when left out. */
  dash?: string;
}

/** Lines over evenly spaced labels (days), sharing one axis from 0. */
export function lineChart(chart: ChartText & { labels: string[]; series: LineSeries[] }): string {
  const width = 680;
  const height = 280;
  const m = { left: 44, right: 16, top: 36, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const top = niceTop(Math.max(0, ...chart.series.flatMap((s) => s.values)));
  const n = chart.labels.length;
  const x = (i: number) => m.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => m.top + plotH - (v / top) * plotH;

  const parts = [open(chart, width, height)];
  for (let t = 0; t <= 4; t++) {
    const v = (top / 4) * t;
    parts.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="${COLOURS.grid}" stroke-width="1"/>`,
      `<text x="${m.left - 6}" y="${fixed(y(v) + 4)}" text-anchor="end" fill="${COLOURS.text}">${fixed(v)}</text>`,
    );
  }
  // At most about 8 labels on the x axis, always the first and last.
  const every = Math.max(1, Math.ceil(n / 8));
  chart.labels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(`<text x="${fixed(x(i))}" y="${height - m.bottom + 18}" text-anchor="middle" fill="${COLOURS.text}">${escapeXml(label)}</text>`);
  });
  chart.series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${fixed(x(i))},${fixed(y(v))}`).join(' ');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(`<polyline class="series" points="${points}" fill="none" stroke="${s.colour}" stroke-width="2.5"${dash}/>`);
    for (const [i, v] of s.values.entries()) parts.push(`<circle cx="${fixed(x(i))}" cy="${fixed(y(v))}" r="3" fill="${s.colour}"/>`);
    const lx = m.left + k * 180;
    parts.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="14" y2="14" stroke="${s.colour}" stroke-width="2.5"${dash}/>`,
      `<text x="${lx + 34}" y="18" fill="${COLOURS.text}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, one per label, with the value written at the end of each. */
export function barChart(chart: ChartText & { bars: { label: string; value: number }[] }): string {
  const labelW = 250;
  const barH = 22;
  const gap = 10;
  const width = 680;
  const plotW = width - labelW - 60;
  const height = 16 + chart.bars.length * (barH + gap);
  const top = Math.max(1, ...chart.bars.map((b) => b.value));
  const parts = [open(chart, width, height)];
  chart.bars.forEach((b, i) => {
    const y = 8 + i * (barH + gap);
    const w = (b.value / top) * plotW;
    parts.push(
      `<text x="${labelW - 8}" y="${y + barH / 2 + 4}" text-anchor="end" fill="${COLOURS.text}">${escapeXml(b.label)}</text>`,
      `<rect class="bar" x="${labelW}" y="${y}" width="${fixed(w)}" height="${barH}" fill="${COLOURS.blue}"/>`,
      `<text x="${fixed(labelW + w + 6)}" y="${y + barH / 2 + 4}" fill="${COLOURS.text}">${b.value}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The shade for a count: 0 the lightest, the most the darkest, evenly between. */
export function shadeOf(value: number, max: number): string {
  if (value <= 0 || max <= 0) return SHADES[0]!;
  return SHADES[Math.min(SHADES.length - 1, Math.ceil((value / max) * (SHADES.length - 1)))]!;
}

/** A grid of counts (rows × columns) as shaded cells, with a key from fewer to more. */
export function heatMap(chart: ChartText & { rows: string[]; columns: string[]; values: number[][] }): string {
  const cell = 22;
  const left = 90;
  const top = 24;
  const width = left + chart.columns.length * cell + 10;
  const height = top + chart.rows.length * cell + 48;
  const max = Math.max(0, ...chart.values.flat());
  const parts = [open(chart, width, height)];
  chart.columns.forEach((c, j) => {
    // Every other hour labelled: 24 labels do not fit.
    if (j % 2 === 0) parts.push(`<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="10" fill="${COLOURS.text}">${escapeXml(c)}</text>`);
  });
  chart.rows.forEach((r, i) => {
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" fill="${COLOURS.text}">${escapeXml(r)}</text>`);
    chart.columns.forEach((_, j) => {
      const v = chart.values[i]?.[j] ?? 0;
      parts.push(`<rect class="cell" x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${shadeOf(v, max)}" stroke="#ffffff" stroke-width="1"/>`);
    });
  });
  const keyY = top + chart.rows.length * cell + 16;
  parts.push(`<text x="${left - 8}" y="${keyY + 12}" text-anchor="end" fill="${COLOURS.text}">Fewer</text>`);
  SHADES.forEach((shade, k) => parts.push(`<rect x="${left + k * cell}" y="${keyY}" width="${cell}" height="16" fill="${shade}" stroke="${COLOURS.grid}" stroke-width="1"/>`));
  parts.push(`<text x="${left + SHADES.length * cell + 6}" y="${keyY + 12}" fill="${COLOURS.text}">More (most: ${max})</text>`);
  parts.push('</svg>');
  return parts.join('');
}
