// A trend chart of one coded measurement (patient.observationTrend): an SVG line per series (a blood
// pressure has two: systolic and diastolic), the normal range shaded, and the same numbers as a table.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 48, right: 16, top: 16, bottom: 32 };
const COLOURS = ['#0b4f8a', '#a4001d', '#2e6b1f'];

function node(name, attributes = {}, text = '') {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text) element.textContent = text;
  return element;
}

function label(concept) {
  if (!concept) return '';
  return concept.text || (concept.coding && concept.coding[0] && (concept.coding[0].display || concept.coding[0].code)) || '';
}

/** The series of a trend: [{name, points: [{t, v}]}], one per component when the points have components. */
export function series(trend) {
  const byName = new Map();
  for (const point of trend.points) {
    const t = Date.parse(point.time);
    if (Number.isNaN(t)) continue;
    const parts = point.components.length
      ? point.components.map((c) => [label(c.code), c.value])
      : [[label(trend.name) || trend.code, point.value]];
    for (const [name, value] of parts) {
      if (!value || value.value === null) continue;
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push({ t, v: Number(value.value) });
    }
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

export function drawTrend(container, trend) {
  container.replaceChildren();
  const lines = series(trend);
  const title = label(trend.name) || trend.code;
  if (!lines.length) {
    const empty = document.createElement('p');
    empty.textContent = `No ${title} results yet.`;
    container.append(empty);
    return;
  }
  const all = lines.flatMap((line) => line.points);
  const ranges = trend.points.flatMap((p) => p.referenceRange).filter((r) => r.low && r.high);
  const values = all.map((p) => p.v).concat(ranges.flatMap((r) => [Number(r.low.value), Number(r.high.value)]));
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const v0 = Math.min(...values);
  const v1 = Math.max(...values);
  const x = (t) => PAD.left + ((t - t0) / Math.max(t1 - t0, 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - ((v - v0) / Math.max(v1 - v0, 1e-9)) * (HEIGHT - PAD.top - PAD.bottom);

  const latest = lines.map((line) => `${line.name} ${line.points[line.points.length - 1].v}`).join(', ');
  const summary = `${title}: ${trend.pointCount} results from ${new Date(t0).toLocaleDateString()} to ` +
    `${new Date(t1).toLocaleDateString()}; latest ${latest} ${trend.unit || ''}.`;
  const svg = node('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'trend-svg-title' });
  svg.append(node('title', { id: 'trend-svg-title' }, summary));
  if (ranges.length) {
    const range = ranges[ranges.length - 1];
    const top = y(Number(range.high.value));
    svg.append(node('rect', {
      x: PAD.left, y: top, width: WIDTH - PAD.left - PAD.right,
      height: Math.max(y(Number(range.low.value)) - top, 1), fill: '#e3f1e0',
    }));
  }
  svg.append(node('line', { x1: PAD.left, y1: HEIGHT - PAD.bottom, x2: WIDTH - PAD.right, y2: HEIGHT - PAD.bottom, stroke: '#5c6670' }));
  svg.append(node('text', { x: 4, y: y(v1) + 4, 'font-size': 12, fill: '#1a1a1a' }, String(Math.round(v1 * 10) / 10)));
  svg.append(node('text', { x: 4, y: y(v0) + 4, 'font-size': 12, fill: '#1a1a1a' }, String(Math.round(v0 * 10) / 10)));
  svg.append(node('text', { x: PAD.left, y: HEIGHT - 8, 'font-size': 12, fill: '#1a1a1a' }, new Date(t0).toLocaleDateString()));
  svg.append(node('text', { x: WIDTH - PAD.right, y: HEIGHT - 8, 'font-size': 12, fill: '#1a1a1a', 'text-anchor': 'end' }, new Date(t1).toLocaleDateString()));
  lines.forEach((line, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = line.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    svg.append(node('path', { d: path, fill: 'none', stroke: colour, 'stroke-width': 2, class: 'trend-line' }));
    for (const p of line.points) svg.append(node('circle', { cx: x(p.t), cy: y(p.v), r: 3, fill: colour, class: 'trend-point' }));
  });
  container.append(svg);

  const details = document.createElement('details');
  const caption = document.createElement('summary');
  caption.textContent = 'Show the numbers';
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const text of ['Date', ...lines.map((l) => `${l.name} (${trend.unit || ''})`)]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    head.append(th);
  }
  const body = table.createTBody();
  for (const point of trend.points) {
    const row = body.insertRow();
    row.insertCell().textContent = new Date(point.time).toLocaleDateString();
    const parts = point.components.length ? point.components.map((c) => c.value) : [point.value];
    for (const value of parts) row.insertCell().textContent = value ? value.value : '';
  }
  details.append(caption, table);
  container.append(details);
}
