// A small line chart on <canvas>: x is the training step, one line per series, optional log scale,
// a crosshair with the values under the pointer. Sized by CSS; redraws on resize.

const PAD = { left: 52, right: 12, top: 10, bottom: 24 };
const FONT = "11px system-ui, sans-serif";

export class LineChart {
  /**
   * @param canvas  the <canvas> to draw on
   * @param series  [{key, label, color, dash?}] read from each point
   */
  constructor(canvas, series, { log = false } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.log = log;
    this.points = [];
    this.hoverX = null;
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(canvas);
    canvas.addEventListener("pointermove", (event) => {
      this.hoverX = event.offsetX;
      this.draw();
    });
    canvas.addEventListener("pointerleave", () => {
      this.hoverX = null;
      this.draw();
    });
  }

  /** @param xMax where the x axis ends (the run's total steps), or null to end at the last point */
  setData(points, xMax = null) {
    this.points = points;
    this.xMax = xMax;
    this.draw();
  }

  setLog(log) {
    this.log = log;
    this.draw();
  }

  dispose() {
    this.resize.disconnect();
  }

  /** Values a series can plot: finite, and positive on a log scale. */
  usable(value) {
    return typeof value === "number" && Number.isFinite(value) && (!this.log || value > 0);
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = FONT;
    const style = getComputedStyle(canvas);
    const grid = style.getPropertyValue("--chart-grid").trim() || "#2a2f3a";
    const muted = style.getPropertyValue("--chart-text").trim() || "#8b93a3";

    const values = [];
    for (const point of this.points) {
      for (const s of this.series) if (this.usable(point[s.key])) values.push(point[s.key]);
    }
    if (values.length === 0) {
      g.fillStyle = muted;
      g.textAlign = "center";
      g.fillText("waiting for the first steps…", width / 2, height / 2);
      return;
    }
    const steps = this.points.map((p) => p.step);
    // The axis spans the whole run, so the curve's length shows how far it has got.
    let x0 = Math.min(0, ...steps);
    let x1 = Math.max(this.xMax || 0, ...steps);
    if (x1 === x0) x1 = x0 + 1;
    const t = this.log ? Math.log10 : (v) => v;
    let y0 = t(Math.min(...values));
    let y1 = t(Math.max(...values));
    if (y1 - y0 < 1e-12) {
      y0 -= 0.5;
      y1 += 0.5;
    } else {
      const margin = (y1 - y0) * 0.06;
      y0 -= margin;
      y1 += margin;
    }
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const px = (step) => PAD.left + ((step - x0) / (x1 - x0)) * plotW;
    const py = (value) => PAD.top + (1 - (t(value) - y0) / (y1 - y0)) * plotH;

    // Grid and axis labels.
    g.strokeStyle = grid;
    g.fillStyle = muted;
    g.lineWidth = 1;
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const tick of this.yTicks(y0, y1)) {
      const y = Math.round(PAD.top + (1 - (tick.at - y0) / (y1 - y0)) * plotH) + 0.5;
      g.beginPath();
      g.moveTo(PAD.left, y);
      g.lineTo(width - PAD.right, y);
      g.stroke();
      g.fillText(tick.label, PAD.left - 6, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const step of niceTicks(x0, x1, Math.max(2, Math.floor(plotW / 90)))) {
      const x = Math.round(px(step)) + 0.5;
      g.beginPath();
      g.moveTo(x, PAD.top);
      g.lineTo(x, PAD.top + plotH);
      g.stroke();
      g.fillText(String(step), x, PAD.top + plotH + 6);
    }

    // Lines.
    g.save();
    g.beginPath();
    g.rect(PAD.left, PAD.top, plotW, plotH);
    g.clip();
    g.lineJoin = "round";
    const dots = [];
    for (const s of this.series) {
      g.strokeStyle = s.color;
      g.lineWidth = 1.75;
      g.setLineDash(s.dash || []);
      g.beginPath();
      // A point with no neighbour (a run watched only at its end) is drawn as a dot.
      const lonely = [];
      let run = 0;
      this.points.forEach((point, i) => {
        const value = point[s.key];
        if (!this.usable(value)) {
          run = 0;
          return;
        }
        if (run > 0) g.lineTo(px(point.step), py(value));
        else g.moveTo(px(point.step), py(value));
        run += 1;
        const next = this.points[i + 1];
        if (run === 1 && !(next && this.usable(next[s.key]))) lonely.push(point);
      });
      g.stroke();
      for (const point of lonely) dots.push([s.color, px(point.step), py(point[s.key])]);
    }
    g.restore();
    g.setLineDash([]);
    for (const [color, x, y] of dots) {
      g.fillStyle = color;
      g.beginPath();
      g.arc(x, y, 3, 0, Math.PI * 2);
      g.fill();
    }

    if (this.hoverX !== null && this.hoverX >= PAD.left) this.drawHover(g, px, py, muted, width);
  }

  drawHover(g, px, py, muted, width) {
    let nearest = null;
    for (const point of this.points) {
      if (!nearest || Math.abs(px(point.step) - this.hoverX) < Math.abs(px(nearest.step) - this.hoverX)) nearest = point;
    }
    const x = Math.round(px(nearest.step)) + 0.5;
    g.strokeStyle = muted;
    g.beginPath();
    g.moveTo(x, PAD.top);
    g.lineTo(x, this.canvas.clientHeight - PAD.bottom);
    g.stroke();
    const lines = [`step ${nearest.step}`];
    for (const s of this.series) {
      if (!this.usable(nearest[s.key])) continue;
      g.fillStyle = s.color;
      g.beginPath();
      g.arc(x, py(nearest[s.key]), 3, 0, Math.PI * 2);
      g.fill();
      lines.push(`${s.label}: ${format(nearest[s.key])}`);
    }
    const boxW = Math.max(...lines.map((line) => g.measureText(line).width)) + 14;
    const boxH = lines.length * 15 + 8;
    const left = x + 10 + boxW > width ? x - 10 - boxW : x + 10;
    g.fillStyle = "rgba(14, 16, 21, 0.92)";
    g.fillRect(left, PAD.top, boxW, boxH);
    g.textAlign = "left";
    g.textBaseline = "top";
    lines.forEach((line, i) => {
      g.fillStyle = i === 0 ? muted : this.series.find((s) => line.startsWith(`${s.label}:`)).color;
      g.fillText(line, left + 7, PAD.top + 5 + i * 15);
    });
  }

  yTicks(y0, y1) {
    if (!this.log) return niceTicks(y0, y1, 4).map((at) => ({ at, label: format(at) }));
    const ticks = [];
    for (let e = Math.ceil(y0); e <= Math.floor(y1); e++) ticks.push({ at: e, label: format(10 ** e) });
    // Less than a decade shown: fall back to linear ticks in log space.
    return ticks.length >= 2 ? ticks : niceTicks(y0, y1, 4).map((at) => ({ at, label: format(10 ** at) }));
  }
}

/** About `count` round numbers between a and b. */
function niceTicks(a, b, count) {
  const span = b - a;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function format(value) {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}
