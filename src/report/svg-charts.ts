/**
 * Small inline SVG charts for the HTML report: no scripts, no external assets, readable without CSS. Every
 * label goes through escapeXml; values are drawn to scale from 0.
 */

export interface Datum {
  label: string;
  value: number;
  /** Text shown beside the bar (default: the value). */
  text?: string;
  color?: string;
}

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
export const PALETTE = ['#1565c0', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#c62828', '#5d4037', '#9e9d24'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function svg(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeXml(title)}</title>${body}</svg>`;
}

/** One labelled horizontal bar per datum, scaled to the largest value. */
export function horizontalBars(title: string, data: Datum[], width = 720): string {
  const labelWidth = Math.min(220, 12 + 7 * Math.max(4, ...data.map((d) => d.label.length)));
  const textWidth = Math.min(320, 12 + 7 * Math.max(4, ...data.map((d) => (d.text ?? String(d.value)).length)));
  const barSpace = Math.max(50, width - labelWidth - textWidth);
  const max = Math.max(...data.map((d) => d.value), 0);
  const rowHeight = 24;
  const rows = data.map((d, i) => {
    const y = i * rowHeight + 4;
    const length = max > 0 ? Math.max(d.value > 0 ? 1 : 0, (d.value / max) * barSpace) : 0;
    const color = d.color ?? PALETTE[i % PALETTE.length];
    return [
      `<text x="${labelWidth - 8}" y="${y + 13}" text-anchor="end" ${FONT}>${escapeXml(d.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="16" fill="${color}"><title>${escapeXml(`${d.label}: ${d.text ?? d.value}`)}</title></rect>`,
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 13}" ${FONT}>${escapeXml(d.text ?? String(d.value))}</text>`,
    ].join('');
  });
  return svg(width, Math.max(1, data.length) * rowHeight + 8, title, rows.join(''));
}

/** One bar split into segments proportional to their values (e.g. items by outcome), with a legend below. */
export function stackedBar(title: string, data: Datum[], width = 720): string {
  const total = data.reduce((sum, d) => sum + Math.max(0, d.value), 0);
  let x = 0;
  const segments = data.map((d, i) => {
    const w = total > 0 ? (Math.max(0, d.value) / total) * width : 0;
    const rect = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${d.color ?? PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${d.label}: ${d.text ?? d.value}`)}</title></rect>`;
    x += w;
    return rect;
  });
  const perRow = 3;
  const legend = data.map((d, i) => {
    const lx = (i % perRow) * (width / perRow);
    const ly = 44 + Math.floor(i / perRow) * 20;
    return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${d.color ?? PALETTE[i % PALETTE.length]}"/><text x="${lx + 18}" y="${ly}" ${FONT}>${escapeXml(`${d.label} ${d.text ?? d.value}`)}</text>`;
  });
  const background = `<rect x="0" y="0" width="${width}" height="28" fill="#eeeeee"/>`;
  return svg(width, 44 + Math.ceil(data.length / perRow) * 20, title, background + segments.join('') + legend.join(''));
}

/**
 * Vertical bars in order (e.g. seconds per shard), scaled to the largest, with the maximum marked on the
 * axis. Thousands of bars stay legible as a profile: each gets at least a pixel.
 */
export function columnChart(
  title: string,
  data: Datum[],
  formatMax: (max: number) => string,
  axes: { x: string; y: string } = { x: '', y: '' },
  width = 720,
  height = 196,
): string {
  const left = 56;
  const bottom = 36;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - 8;
  const max = Math.max(...data.map((d) => d.value), 0);
  const step = data.length > 0 ? plotWidth / data.length : plotWidth;
  const barWidth = Math.max(1, step * 0.8);
  const bars = data.map((d, i) => {
    const h = max > 0 ? (d.value / max) * plotHeight : 0;
    const x = left + i * step;
    return `<rect x="${x.toFixed(2)}" y="${(8 + plotHeight - h).toFixed(1)}" width="${barWidth.toFixed(2)}" height="${h.toFixed(1)}" fill="${d.color ?? PALETTE[0]}"><title>${escapeXml(`${d.label}: ${d.text ?? d.value}`)}</title></rect>`;
  });
  const axis = [
    `<line x1="${left - 2}" y1="8" x2="${left - 2}" y2="${8 + plotHeight}" stroke="#888"/>`,
    `<line x1="${left - 2}" y1="${8 + plotHeight}" x2="${width - 8}" y2="${8 + plotHeight}" stroke="#888"/>`,
    `<text x="${left - 6}" y="18" text-anchor="end" ${FONT}>${escapeXml(formatMax(max))}</text>`,
    `<text x="${left - 6}" y="${8 + plotHeight}" text-anchor="end" ${FONT}>0</text>`,
    `<text x="${left}" y="${height - 20}" ${FONT}>${escapeXml(data[0]?.label ?? '')}</text>`,
    `<text x="${width - 8}" y="${height - 20}" text-anchor="end" ${FONT}>${escapeXml(data.at(-1)?.label ?? '')}</text>`,
    `<text x="${left + plotWidth / 2}" y="${height - 4}" text-anchor="middle" ${FONT}>${escapeXml(axes.x)}</text>`,
    `<text x="12" y="${8 + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 12 ${8 + plotHeight / 2})" ${FONT}>${escapeXml(axes.y)}</text>`,
  ];
  return svg(width, height, title, axis.join('') + bars.join(''));
}
