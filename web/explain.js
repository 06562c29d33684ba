// The worked calculation of one update, written as MathML formulas from the
// library's JSON explanation (docs/explain.md). Every number comes from that
// JSON; this file only lays the numbers out. Each formula carries
// data-q="kind:name" (what it computes) and data-ref attributes on the names
// of units and parameters, which the page highlights together with the
// drawing.
import { mathName, mathNumber } from './format.js';

// Parts of an update, in the order the page reveals them.
export const PHASES = ['forward', 'loss', 'backward', 'update'];

// Index of the explanation's parameters: weight (layer, unit, from) and
// bias (layer, unit, or null for a shared one) -> parameter object.
export function paramIndex(json) {
    const index = new Map();
    for (const p of json.params) {
        const key = p.kind === 'weight' ? `w:${p.layer}:${p.unit}:${p.from}` : `b:${p.layer}:${p.unit}`;
        index.set(key, p);
    }
    return index;
}

export function biasOf(index, layer, unit) {
    return index.get(`b:${layer}:${unit}`) || index.get(`b:${layer}:null`);
}

const OP = { times: '<mo>·</mo>', plus: '<mo>+</mo>', minus: '<mo>−</mo>', eq: '<mo>=</mo>' };

function ref(name, sup) {
    return `<mrow data-ref="${name}">${mathName(name, sup)}</mrow>`;
}

function derivative(top, bottom) {
    return `<mfrac><mrow><mo>∂</mo>${top}</mrow><mrow><mo>∂</mo>${bottom}</mrow></mfrac>`;
}

function prefixed(prefix, name) {
    return `<mrow data-ref="${name}"><msub><mi>${prefix}</mi>${mathName(name)}</msub></mrow>`;
}

function sum(terms) {
    return terms.length ? terms.join(OP.plus) : '<mn>0</mn>';
}

// One equation: parts joined by "="; a long one (symbol = formula = numbers
// = result) is broken after the formula, the numbers going on a second line.
function formula(q, parts, note) {
    const extra = note ? `<span class="note">${note}</span>` : '';
    const math = (body) => `<div class="line"><math><mrow>${body}</mrow></math></div>`;
    const lines = parts.length > 3
        ? math(parts.slice(0, 2).join(OP.eq)) + math(OP.eq + parts.slice(2).join(OP.eq))
        : math(parts.join(OP.eq));
    return `<div class="eq" data-q="${q}"><div class="lines">${lines}</div>${extra}</div>`;
}

function activationName(activation) {
    return activation === 'sigmoid' ? 'σ' : activation;
}

class Writer {
    constructor(json, digits) {
        this.json = json;
        this.digits = digits;
        this.index = paramIndex(json);
        this.layers = json.layers;
        this.sequential = json.rule === 'sequential';
    }

    num(x, inFormula = true) {
        return mathNumber(x, this.digits, inFormula);
    }

    result(x) {
        return `<mrow class="result">${this.num(x, false)}</mrow>`;
    }

    unit(layer, j) {
        return this.layers[layer].units[j];
    }

    // The output of unit j of layer l as a name: an input by its name alone.
    out(layer, j) {
        const name = this.unit(layer, j);
        return layer === 0 ? ref(name) : prefixed('out', name);
    }

    value(sample, layer, j) {
        return layer === 0
            ? sample.input[j]
            : sample.layers[layer - 1].a[j];
    }

    forward(sample) {
        const html = [];
        for (let l = 1; l < this.layers.length; l++) {
            const info = this.layers[l];
            const here = sample.layers[l - 1];
            html.push(`<h4>Layer ${l} (${info.activation}, ${info.bias.replace('_', ' ')} bias)</h4>`);
            for (let j = 0; j < info.size; j++) {
                const names = [], numbers = [];
                for (let i = 0; i < this.layers[l - 1].size; i++) {
                    const w = this.index.get(`w:${l}:${j}:${i}`);
                    names.push(ref(w.name) + OP.times + this.out(l - 1, i));
                    numbers.push(this.num(w.value) + OP.times + this.num(this.value(sample, l - 1, i)));
                }
                const b = biasOf(this.index, l, j);
                names.push(ref(b.name));
                numbers.push(this.num(b.value));
                const u = info.units[j];
                html.push(formula(`net:${u}`, [prefixed('net', u), sum(names), sum(numbers), this.result(here.z[j])]));
                html.push(formula(`out:${u}`, [
                    prefixed('out', u),
                    `<mi>${activationName(info.activation)}</mi><mo>(</mo>${prefixed('net', u)}<mo>)</mo>`,
                    `<mi>${activationName(info.activation)}</mi><mo>(</mo>${this.num(here.z[j], false)}<mo>)</mo>`,
                    this.result(here.a[j]),
                ]));
            }
        }
        return html.join('');
    }

    loss(sample) {
        const top = this.layers.length - 1;
        const out = sample.layers[top - 1];
        const html = [];
        const names = [], values = [];
        sample.loss_terms.forEach((term, k) => {
            const u = this.unit(top, k);
            const name = prefixed('E', u);
            if (this.json.loss_function === 'half_sse') {
                const diff = `<mrow><mo>(</mo>%t<mo>−</mo>%o<mo>)</mo></mrow>`;
                const square = (t, o) => `<mfrac><mn>1</mn><mn>2</mn></mfrac><msup>${diff.replace('%t', t).replace('%o', o)}<mn>2</mn></msup>`;
                html.push(formula(`term:${u}`, [name, square(prefixed('t', u), prefixed('out', u)),
                    square(this.num(sample.target[k]), this.num(out.a[k])), this.result(term)]));
            } else {
                html.push(formula(`term:${u}`, [name, this.result(term)], this.json.loss_function));
            }
            names.push(name);
            values.push(this.num(term));
        });
        html.push(formula('sample-loss', ['<mi>E</mi>', sum(names), sum(values), this.result(sample.loss)]));
        return html.join('');
    }

    backward(sample) {
        const html = [];
        const top = this.layers.length - 1;
        for (let l = top; l >= 1; l--) {
            const info = this.layers[l];
            const here = sample.layers[l - 1];
            html.push(`<h4>Layer ${l}: deltas</h4>`);
            for (let j = 0; j < info.size; j++) {
                const u = info.units[j];
                const dOut = derivative('<mi>E</mi>', prefixed('out', u));
                if (l === top) {
                    html.push(formula(`dE_da:${u}`, [dOut, this.result(here.dE_da[j])]));
                } else {
                    const names = [], numbers = [];
                    for (let k = 0; k < this.layers[l + 1].size; k++) {
                        const w = this.index.get(`w:${l + 1}:${k}:${j}`);
                        const sup = this.sequential && !w.frozen ? '+' : '';
                        const wValue = sup ? w.new_value : w.value;
                        names.push(prefixed('δ', this.unit(l + 1, k)) + OP.times + ref(w.name, sup));
                        numbers.push(this.num(sample.layers[l].delta[k]) + OP.times + this.num(wValue));
                    }
                    html.push(formula(`dE_da:${u}`, [dOut, sum(names), sum(numbers), this.result(here.dE_da[j])],
                        this.sequential ? 'through the updated weights (sequential rule)' : ''));
                }
                const fprime = `<mi>${activationName(info.activation)}′</mi><mo>(</mo>${prefixed('net', u)}<mo>)</mo>`;
                html.push(formula(`fprime:${u}`, [fprime, this.result(here.activation_derivative[j])]));
                const form = l === top ? here.delta_form : 'chain';
                if (form === 'chain' || form === undefined) {
                    html.push(formula(`delta:${u}`, [prefixed('δ', u), dOut + OP.times + fprime,
                        this.num(here.dE_da[j]) + OP.times + this.num(here.activation_derivative[j]),
                        this.result(here.delta[j])]));
                } else {
                    html.push(formula(`delta:${u}`, [prefixed('δ', u), this.result(here.delta[j])], form.replace(/_/g, ' ')));
                }
            }
        }
        return html.join('');
    }

    gradients(sample) {
        const html = ['<h4>Gradients</h4>'];
        for (const p of this.json.params) {
            const g = sample.gradients[p.index];
            const d = derivative('<mi>E</mi>', ref(p.name));
            if (p.kind === 'weight') {
                const u = this.unit(p.layer, p.unit);
                html.push(formula(`grad:${p.name}`, [d, prefixed('δ', u) + OP.times + this.out(p.layer - 1, p.from),
                    this.num(sample.layers[p.layer - 1].delta[p.unit]) + OP.times +
                    this.num(this.value(sample, p.layer - 1, p.from)), this.result(g)]));
            } else if (p.unit !== null) {
                html.push(formula(`grad:${p.name}`, [d, prefixed('δ', this.unit(p.layer, p.unit)), this.result(g)]));
            } else {
                const units = this.layers[p.layer].units;
                html.push(formula(`grad:${p.name}`, [d, sum(units.map((u) => prefixed('δ', u))),
                    sum(sample.layers[p.layer - 1].delta.map((x) => this.num(x))), this.result(g)], 'shared bias'));
            }
        }
        return html.join('');
    }

    summed() {
        const json = this.json;
        const html = ['<h4>Summed over the samples</h4>'];
        html.push(formula('loss', ['<mi>E</mi>', sum(json.samples.map((s) => this.num(s.loss))), this.result(json.loss)]));
        for (const p of json.params) {
            html.push(formula(`sum:${p.name}`, [derivative('<mi>E</mi>', ref(p.name)),
                sum(json.samples.map((s) => this.num(s.gradients[p.index]))), this.result(p.gradient)]));
        }
        return html.join('');
    }

    update() {
        const json = this.json;
        const opt = json.optimizer;
        const html = [`<h4>Update${opt ? ` (${opt.kind})` : ''}, η = ${json.learning_rate}</h4>`];
        json.params.forEach((p) => {
            const plus = ref(p.name, '+');
            if (p.frozen) {
                html.push(formula(`new:${p.name}`, [plus, ref(p.name), this.result(p.new_value)], 'frozen'));
            } else if (!opt) {
                html.push(formula(`new:${p.name}`, [plus,
                    ref(p.name) + OP.minus + '<mi>η</mi>' + derivative('<mi>E</mi>', ref(p.name)),
                    this.num(p.value, false) + OP.minus + this.num(json.learning_rate) + OP.times + this.num(p.gradient),
                    this.result(p.new_value)]));
            } else {
                const t = opt.terms;
                const move = t.update ? t.update[p.index] : t.move[p.index];
                const from = t.p_decayed ? t.p_decayed[p.index] : p.value;
                html.push(formula(`new:${p.name}`, [plus, ref(p.name) + OP.minus + '<mi>Δ</mi>',
                    this.num(from, false) + OP.minus + this.num(move), this.result(p.new_value)],
                    t.p_decayed ? 'after decay' : ''));
            }
        });
        return html.join('');
    }

    after() {
        return '<h4>After the update</h4>' +
            formula('loss_after', ['<msup><mi>E</mi><mo>+</mo></msup>', this.result(this.json.loss_after)],
                `before: ${this.json.loss}`);
    }
}

// The explanation as HTML. phase: how much of the update to show, 1..4
// (PHASES), or 4 for all of it. sampleIndex: the sample whose own
// calculation is written out (the summed section covers every sample).
export function renderExplain(json, { digits = 6, phase = 4, sampleIndex = 0 } = {}) {
    const w = new Writer(json, digits);
    const s = Math.min(sampleIndex, json.samples.length - 1);
    const sample = json.samples[s];
    const batch = json.samples.length > 1;
    const parts = [];
    const label = batch ? ` (sample ${s + 1} of ${json.samples.length})` : '';
    parts.push(`<section data-part="forward"><h3>Forward pass${label}</h3>${w.forward(sample)}</section>`);
    if (phase >= 2) parts.push(`<section data-part="loss"><h3>Loss${label}</h3>${w.loss(sample)}</section>`);
    if (phase >= 3) {
        parts.push(`<section data-part="backward"><h3>Backward pass${label}</h3>${w.backward(sample)}${w.gradients(sample)}` +
            `${batch ? w.summed() : ''}</section>`);
    }
    if (phase >= 4) parts.push(`<section data-part="update"><h3>Update</h3>${w.update()}${w.after()}</section>`);
    return parts.join('');
}
