// A small time-series line chart on <canvas>: no dependencies, sized to its element, redrawn on demand.
// Series are arrays of [timeMillis, value]; the x axis is the last `windowMs` up to `now`.

const GRID = '#e5e7eb';
const AXIS_TEXT = '#6b7280';
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * Round y-axis ticks for values up to `max`: a step of 1, 2, 2.5 or 5 times a power of ten (of 1024 above 1024 when
 * `base` is 1024, so byte axes read 256 KiB, 512 KiB...), and the top tick at or above `max`.
 */
export function ticks(max, base = 10, count = 4) {
  if (!(max > 0)) return {step: 1, top: count};
  let unit = 1;
  if (base === 1024) {
    while (max / unit >= 1024) unit *= 1024;
  }
  const raw = max / unit / count;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = 10 * p;
  for (const m of [1, 2, 2.5, 5]) {
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  }
  step *= unit;
  return {step, top: Math.ceil(max / step - 1e-9) * step};
}

/** The x axis's span: the history we have, at least a minute, at most `windowMs`; and a label step to match. */
export function span(historyMs, windowMs) {
  const ms = Math.min(windowMs, Math.max(60000, Math.ceil(historyMs / 60000) * 60000));
  const step = ms <= 60000 ? 10000 : ms <= 180000 ? 30000 : 60000;
  return {ms, step};
}

function ago(ms) {
  if (ms === 0) return 'now';
  return ms % 60000 === 0 ? '-' + ms / 60000 + 'm' : '-' + ms / 1000 + 's';
}

export class TimeChart {
  /**
   * @param canvas   the <canvas> to draw on (its CSS size decides the drawing size)
   * @param options  {windowMs, format: value => label, base: 10 or 1024 for round ticks, series: [{name, color}]}
   */
  constructor(canvas, options) {
    this.canvas = canvas;
    this.maxWindowMs = options.windowMs || 5 * 60 * 1000;
    this.windowMs = this.maxWindowMs;
    this.format = options.format || (v => String(v));
    this.base = options.base || 10;
    this.series = (options.series || []).map(s => ({...s, points: []}));
    this.hoverX = null;
    this.now = Date.now();
    canvas.addEventListener('mousemove', e => {
      this.hoverX = e.offsetX;
      this.draw();
    });
    canvas.addEventListener('mouseleave', () => {
      this.hoverX = null;
      this.draw();
    });
    if (typeof ResizeObserver !== 'undefined') {
      this.resizer = new ResizeObserver(() => this.draw());
      this.resizer.observe(canvas);
    }
  }

  /** Replaces the data: `series` is [{name, color, points: [[t, v], ...]}]; `now` ends the x axis. */
  setData(series, now) {
    this.series = series;
    this.now = now;
    const oldest = Math.min(now, ...series.filter(x => x.points.length).map(x => x.points[0][0]));
    this.span = span(now - oldest, this.maxWindowMs);
    this.windowMs = this.span.ms;
    // what the system test reads: how many points the first series has, and its largest value
    const first = series.length ? series[0].points : [];
    this.canvas.dataset.points = String(first.length);
    this.canvas.dataset.max = String(first.reduce((m, p) => Math.max(m, p[1]), 0));
    this.draw();
  }

  dispose() {
    if (this.resizer) this.resizer.disconnect();
  }

  draw() {
    const c = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * ratio) || c.height !== Math.round(h * ratio)) {
      c.width = Math.round(w * ratio);
      c.height = Math.round(h * ratio);
    }
    const g = c.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = FONT;

    let max = 0;
    for (const s of this.series) {
      for (const [, v] of s.points) max = Math.max(max, v);
    }
    const {step, top} = ticks(max, this.base);
    const left = Math.max(44, g.measureText(this.format(top)).width + 12);
    const pad = {left, right: 12, top: 10, bottom: 22};
    const pw = w - pad.left - pad.right;
    const ph = h - pad.top - pad.bottom;
    const t0 = this.now - this.windowMs;
    const x = t => pad.left + (t - t0) / this.windowMs * pw;
    const y = v => pad.top + ph - v / top * ph;

    // grid and y labels
    g.strokeStyle = GRID;
    g.fillStyle = AXIS_TEXT;
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let v = 0; v <= top + step / 2; v += step) {
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(pad.left, yy);
      g.lineTo(pad.left + pw, yy);
      g.stroke();
      g.fillText(this.format(v), pad.left - 6, yy);
    }
    // x labels: time before now
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const xStep = this.span ? this.span.step : 60000;
    for (let back = this.windowMs; back >= 0; back -= xStep) {
      g.fillText(ago(back), x(this.now - back), pad.top + ph + 6);
    }

    // series: a line, and a light fill under the first
    g.save();
    g.beginPath();
    g.rect(pad.left, pad.top - 2, pw, ph + 4);
    g.clip();
    this.series.forEach((s, i) => {
      const pts = s.points.filter(([t]) => t >= t0 - 5000);
      if (pts.length === 0) return;
      g.beginPath();
      pts.forEach(([t, v], j) => (j === 0 ? g.moveTo(x(t), y(v)) : g.lineTo(x(t), y(v))));
      g.strokeStyle = s.color;
      g.lineWidth = 2;
      g.lineJoin = 'round';
      g.stroke();
      if (i === 0 && pts.length > 1) {
        g.lineTo(x(pts[pts.length - 1][0]), y(0));
        g.lineTo(x(pts[0][0]), y(0));
        g.closePath();
        g.fillStyle = s.color + '22';
        g.fill();
      }
    });
    g.restore();

    if (this.hoverX !== null && this.hoverX >= pad.left && this.hoverX <= pad.left + pw) {
      this.drawHover(g, pad, ph, x, y, t0);
    }
  }

  drawHover(g, pad, ph, x, y, t0) {
    const t = t0 + (this.hoverX - pad.left) / (x(t0 + this.windowMs) - pad.left) * this.windowMs;
    const lines = [];
    let at = null;
    for (const s of this.series) {
      let best = null;
      for (const p of s.points) {
        if (best === null || Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
      }
      if (best && Math.abs(best[0] - t) < 5000) {
        lines.push({color: s.color, text: s.name + ': ' + this.format(best[1])});
        at = best[0];
        g.beginPath();
        g.arc(x(best[0]), y(best[1]), 3, 0, 2 * Math.PI);
        g.fillStyle = s.color;
        g.fill();
      }
    }
    if (at === null) return;
    const xx = Math.round(x(at)) + 0.5;
    g.strokeStyle = '#9ca3af';
    g.beginPath();
    g.moveTo(xx, pad.top);
    g.lineTo(xx, pad.top + ph);
    g.stroke();
    const title = new Date(at).toLocaleTimeString();
    const width = Math.max(g.measureText(title).width, ...lines.map(l => g.measureText(l.text).width)) + 24;
    const height = 18 + lines.length * 15;
    const bx = xx + width + 8 > pad.left + (x(t0 + this.windowMs) - pad.left) ? xx - width - 8 : xx + 8;
    g.fillStyle = 'rgba(17, 24, 39, 0.88)';
    g.fillRect(bx, pad.top, width, height);
    g.textAlign = 'left';
    g.textBaseline = 'top';
    g.fillStyle = '#f9fafb';
    g.fillText(title, bx + 8, pad.top + 4);
    lines.forEach((l, i) => {
      g.fillStyle = l.color;
      g.fillRect(bx + 8, pad.top + 22 + i * 15, 8, 8);
      g.fillStyle = '#f9fafb';
      g.fillText(l.text, bx + 20, pad.top + 19 + i * 15);
    });
  }
}
