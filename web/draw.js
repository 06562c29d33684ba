// Pictures of the session: the network as SVG (one circle per unit, one line
// per weight, each labelled with the library's value), the loss curve, and
// the decision surface of a network with two inputs.
import { full, shown } from './format.js';
import { biasOf } from './explain.js';

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs, parent, text) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
}

function tip(e, text) {
    el('title', {}, e, text);
}

// view: {json (the explanation: names, parameters), values[l][j] (outputs to
// show on the units), deltas[l][j] or null, gradients (flat) or null,
// params (flat, current), digits}.
export function drawNetwork(svg, view) {
    const { json, values, deltas, gradients, params, digits } = view;
    const layers = json.layers;
    const width = 720;
    const tallest = Math.max(...layers.map((l) => l.size));
    const height = Math.max(260, 90 * tallest + 60);
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.replaceChildren();
    const edges = el('g', { class: 'edges' }, svg);
    const labels = el('g', { class: 'weight-labels' }, svg);
    const units = el('g', { class: 'units' }, svg);
    const x = (l) => 70 + (width - 140) * l / (layers.length - 1);
    const y = (l, j) => height / 2 + (j - (layers[l].size - 1) / 2) * (height - 60) / Math.max(tallest, 1);
    const big = Math.max(1e-12, ...params.map(Math.abs));
    // Values on the edges while they stay readable (the worked examples'
    // sizes); larger networks give them in each edge's tooltip.
    const drawLabels = json.params.filter((p) => p.kind === 'weight').length <= 12;

    for (const p of json.params) {
        if (p.kind !== 'weight') continue;
        const value = params[p.index];
        const x1 = x(p.layer - 1), y1 = y(p.layer - 1, p.from), x2 = x(p.layer), y2 = y(p.layer, p.unit);
        const line = el('line', {
            class: `edge ${value < 0 ? 'negative' : 'positive'}`,
            x1, y1, x2, y2,
            'stroke-width': (0.6 + 4 * Math.abs(value) / big).toFixed(2),
            'data-ref': p.name,
        }, edges);
        const g = gradients ? `, dE/d${p.name} = ${full(gradients[p.index])}` : '';
        tip(line, `${p.name} = ${full(value)}${g}`);
        if (drawLabels) {
            const t = 0.22 + 0.56 * (p.from + 0.5) / layers[p.layer - 1].size;
            const text = el('text', {
                class: 'weight', x: x1 + t * (x2 - x1), y: y1 + t * (y2 - y1) - 3, 'data-ref': p.name,
            }, labels, `${p.name} ${shown(value, digits)}`);
            if (gradients) el('tspan', { class: 'grad', x: x1 + t * (x2 - x1), dy: 11 }, text, `∇ ${shown(gradients[p.index], 3)}`);
        }
    }

    const index = new Map(json.params.map((p) => [p.kind === 'weight' ? `w:${p.layer}:${p.unit}:${p.from}` : `b:${p.layer}:${p.unit}`, p]));
    layers.forEach((info, l) => {
        for (let j = 0; j < info.size; j++) {
            const name = info.units[j];
            const cx = x(l), cy = y(l, j);
            const group = el('g', { class: 'unit', 'data-ref': name }, units);
            const circle = el('circle', { cx, cy, r: 24, class: l === 0 ? 'input' : 'neuron' }, group);
            const v = values ? values[l][j] : null;
            el('text', { class: 'unit-name', x: cx, y: cy - 5 }, group, name);
            if (v !== null && v !== undefined) el('text', { class: 'unit-value', x: cx, y: cy + 10 }, group, shown(v, 4));
            let info2 = `${name}`;
            if (v !== null && v !== undefined) info2 += ` = ${full(v)}`;
            if (l > 0) {
                const b = biasOf(index, l, j);
                const bias = params[b.index];
                // A shared bias is written once, under the layer's last unit.
                if (b.unit !== null || j === info.size - 1) el('text', { class: 'bias', x: cx, y: cy + 38, 'data-ref': b.name }, group,
                    `${b.name} ${shown(bias, digits)}${b.unit === null ? ' (shared)' : ''}${b.frozen ? ' (frozen)' : ''}`);
                info2 += `, ${b.name} = ${full(bias)}`;
                if (deltas) {
                    el('text', { class: 'delta', x: cx + 28, y: cy - 20 }, group, `δ ${shown(deltas[l][j], 3)}`);
                    info2 += `, delta = ${full(deltas[l][j])}`;
                }
            }
            tip(circle, info2);
        }
    });
}

// The total error after each recorded update, on a log scale.
export function drawCurve(svg, history) {
    svg.replaceChildren();
    const width = 360, height = 160, pad = 34;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const points = history.filter(([, e]) => e > 0 && Number.isFinite(e));
    if (points.length < 1) return;
    const last = Math.max(1, points[points.length - 1][0]);
    const logs = points.map(([, e]) => Math.log10(e));
    const lo = Math.floor(Math.min(...logs)), hi = Math.ceil(Math.max(...logs, lo + 1));
    const px = (s) => pad + (width - pad - 8) * s / last;
    const py = (l) => 8 + (height - pad - 8) * (hi - l) / (hi - lo);
    el('line', { class: 'axis', x1: pad, y1: 8, x2: pad, y2: height - pad }, svg);
    el('line', { class: 'axis', x1: pad, y1: height - pad, x2: width - 8, y2: height - pad }, svg);
    for (let l = lo; l <= hi; l++) el('text', { class: 'tick', x: pad - 4, y: py(l) + 4, 'text-anchor': 'end' }, svg, `1e${l}`);
    el('text', { class: 'tick', x: width - 8, y: height - pad + 14, 'text-anchor': 'end' }, svg, `${last} updates`);
    el('polyline', {
        class: 'curve',
        points: points.map(([s], k) => `${px(s).toFixed(1)},${py(logs[k]).toFixed(1)}`).join(' '),
    }, svg);
}

// The first output over the square of the two inputs, white (0) to dark
// (1), with the data set's points on top, coloured by target.
export function drawSurface(canvas, values, res, lo, hi, inputs, targets) {
    const ctx = canvas.getContext('2d');
    const size = canvas.width;
    const image = ctx.createImageData(res, res);
    for (let k = 0; k < res * res; k++) {
        const v = Math.min(1, Math.max(0, values[k]));
        image.data.set([255 - 200 * v, 255 - 120 * v, 255 - 40 * v, 255], 4 * k);
    }
    const tmp = new OffscreenCanvas(res, res);
    tmp.getContext('2d').putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, 0, 0, size, size);
    inputs.forEach((x, s) => {
        const cx = (x[0] - lo) / (hi - lo) * size, cy = (hi - x[1]) / (hi - lo) * size;
        ctx.beginPath();
        ctx.arc(cx, cy, 7, 0, 2 * Math.PI);
        ctx.fillStyle = targets[s][0] > 0.5 ? '#1f3f8f' : '#ffffff';
        ctx.fill();
        ctx.strokeStyle = '#c03030';
        ctx.lineWidth = 2;
        ctx.stroke();
    });
}
