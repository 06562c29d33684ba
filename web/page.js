// The page: a session of the library (web/glue.c through library.js) and
// the controls that drive it. The page computes nothing itself: each number
// it shows is a value the library returned (a double, the explanation's
// JSON, or the glue's JSON of the network's outputs).
import { openLibrary } from './library.js';
import { EXAMPLES, CUSTOM_DEFAULT } from './examples.js';
import { renderExplain, PHASES } from './explain.js';
import { drawNetwork, drawCurve, drawSurface } from './draw.js';
import { full, shown } from './format.js';

const $ = (id) => document.getElementById(id);
let lib;

// What the page holds besides the library's session.
const S = {
    id: 'C',          // the #example value loaded
    def: null,        // its definition (examples.js, or the custom form's)
    steps: 0,         // updates taken
    history: [],      // [updates, total error] after each recorded update
    last: null,       // the explanation of the last update (JSON), or null
    phase: 0,         // parts of the next update shown (0: none)
    pending: null,    // the explanation of the update being shown part by part
    running: false,
    sample: 0,        // the sample whose values are drawn and explained
    lastPanel: 0,     // when the explanation was last rendered while running
};

class PageError extends Error {}

function check(status, what) {
    if (status !== 0) throw new PageError(`${what}: ${lib.strerror(status)}`);
}

function say(text) {
    $('status').textContent = text || '';
}

function codeOf(code, kind, name) {
    if (code < 0) throw new PageError(`unknown ${kind} "${name}"`);
    return code;
}

// ---- the session --------------------------------------------------------

function applyNames(def) {
    const state = lib.state();
    const same = def.sizes.length === state.sizes.length && def.sizes.every((s, l) => s === state.sizes[l]);
    if (!same) return;
    if (def.units) def.units.forEach((layer, l) => layer.forEach((name, j) => check(lib.nameUnit(l, j, name), 'naming a unit')));
    if (def.paramNames) def.paramNames.forEach((name, f) => check(lib.nameParam(f, name), 'naming a parameter'));
}

function applyTraining(def) {
    check(lib.setData(def.inputs.length, def.inputs.flat(), def.targets.flat()), 'the data set');
    check(lib.setRate(Number($('rate').value)), 'the learning rate');
    check(lib.setRule(def.rule === 'sequential' ? 1 : 0), 'the rule');
}

function build(def) {
    const acts = def.activations.map((a) => codeOf(lib.activationCode(a), 'activation', a));
    check(lib.create(def.sizes, acts, codeOf(lib.biasCode(def.bias), 'bias convention', def.bias),
        def.frozenBiases, codeOf(lib.lossCode(def.loss), 'loss', def.loss)), 'creating the network');
    if (def.params) check(lib.setParams(def.params), 'the starting parameters');
    else check(lib.initNumpy(def.seed), 'the seeded parameters');
    applyNames(def);
    applyTraining(def);
    const opt = $('optimizer').value;
    check(lib.setOptimizer(opt === '' ? -1 : lib.optimizerCode(opt)), 'the optimiser');
}

function startHistory() {
    S.history = [[S.steps, lib.error()]];
    S.last = null;
    S.phase = 0;
    S.pending = null;
}

function load(id) {
    stop();
    S.id = id;
    S.def = id === 'custom' ? readCustom() : EXAMPLES[id];
    $('example').value = id;
    if (id === 'custom') $('custom').open = true;
    $('rate').value = S.def.rate;
    if (S.def.rule === 'sequential') $('optimizer').value = '';
    build(S.def);
    S.steps = 0;
    S.sample = 0;
    startHistory();
    fillSamples();
}

// One whole update; its explanation (computed first, of the parameters
// before it) becomes the last update's.
function step() {
    const e = lib.explain();
    const r = lib.train(1);
    check(r.status, 'the update');
    S.steps += r.taken;
    S.last = e.json;
    S.phase = 0;
    S.pending = null;
    record();
}

// The parts of the next update, one a click: forward, loss, backward, then
// the update itself.
function nextPart() {
    if (S.phase === 0) {
        const e = lib.explain();
        check(e.status, 'the explanation');
        S.pending = e.json;
        S.phase = 1;
    } else if (S.phase < 3) {
        S.phase++;
    } else {
        const pending = S.pending;
        step();
        S.last = pending;
    }
}

function record() {
    const e = lib.error();
    S.history.push([S.steps, e]);
    if (S.history.length > 4000) S.history = S.history.filter((_, k) => k % 2 === 0 || k === S.history.length - 1);
}

function frame() {
    if (!S.running) return;
    try {
        const n = Math.max(1, Math.floor(Number($('speed').value) || 1));
        if (n > 1) {
            const r = lib.train(n - 1);
            S.steps += r.taken;
            check(r.status, 'the update');
        }
        step();
        const now = performance.now();
        const panel = now - S.lastPanel > 400;
        if (panel) S.lastPanel = now;
        show({ panel });
        requestAnimationFrame(frame);
    } catch (e) {
        stop();
        report(e);
        show();
    }
}

function run() {
    if (S.running) {
        stop();
        show();
        return;
    }
    S.running = true;
    S.phase = 0;
    S.pending = null;
    $('run').textContent = 'Pause';
    requestAnimationFrame(frame);
}

function stop() {
    S.running = false;
    $('run').textContent = 'Run';
}

// ---- model files and links ----------------------------------------------

function toBase64Url(text) {
    const bytes = new TextEncoder().encode(text);
    let bin = '';
    bytes.forEach((b) => { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s) {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

// A model file replaces the network; the data set stays, so the model must
// fit it (the network before is restored when it does not).
function loadModel(text, steps) {
    const before = lib.save();
    check(lib.load(text), 'the model file');
    try {
        applyTraining(S.def);
    } catch (e) {
        lib.load(before);
        applyNames(S.def);
        applyTraining(S.def);
        throw new PageError(`the model does not fit the data set of ${S.id}: ${e.message}`);
    }
    applyNames(S.def);
    const kind = lib.optimizerKind();
    $('optimizer').value = kind < 0 ? '' : lib.optimizerNames()[kind];
    S.steps = steps;
    startHistory();
}

function save() {
    const text = lib.save();
    if (text === null) throw new PageError('the network cannot be saved');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    a.download = `${S.id}-${S.steps}.model`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// The state as a link: the example, the custom definition, the updates
// taken and, once the parameters changed, the model file itself.
function link() {
    const q = new URLSearchParams();
    q.set('ex', S.id);
    if (S.id === 'custom') q.set('def', toBase64Url(JSON.stringify(S.def)));
    q.set('rate', $('rate').value);
    if ($('optimizer').value) q.set('opt', $('optimizer').value);
    if (S.steps > 0 || $('optimizer').value) {
        q.set('steps', String(S.steps));
        const text = lib.save();
        if (text !== null) q.set('m', toBase64Url(text));
    }
    return `#${q}`;
}

function fromLink(hash) {
    const q = new URLSearchParams(hash.replace(/^#/, ''));
    const id = q.get('ex');
    if (!id || !(id in EXAMPLES || id === 'custom')) return false;
    if (id === 'custom' && q.get('def')) writeCustom(JSON.parse(fromBase64Url(q.get('def'))));
    if (q.get('opt')) $('optimizer').value = q.get('opt');
    load(id);
    if (q.get('rate')) {
        $('rate').value = q.get('rate');
        check(lib.setRate(Number(q.get('rate'))), 'the learning rate');
    }
    if (q.get('m')) loadModel(fromBase64Url(q.get('m')), Number(q.get('steps')) || 0);
    return true;
}

// ---- the custom form ----------------------------------------------------

function readCustom() {
    const sizes = $('c-sizes').value.split(/[-, x]+/).filter(Boolean).map(Number);
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 64)) {
        throw new PageError('sizes: whole numbers from 1 to 64, e.g. 2-3-1');
    }
    const activations = $('c-acts').value.split(/[, ]+/).filter(Boolean);
    while (activations.length < sizes.length - 1) activations.push(activations[activations.length - 1] || 'sigmoid');
    const inputs = [], targets = [];
    for (const line of $('c-data').value.split('\n')) {
        if (!line.trim()) continue;
        const [a, b] = line.split('->');
        const x = (a || '').trim().split(/[\s,]+/).map(Number);
        const t = (b || '').trim().split(/[\s,]+/).map(Number);
        if (x.length !== sizes[0] || t.length !== sizes[sizes.length - 1] || [...x, ...t].some((v) => !Number.isFinite(v))) {
            throw new PageError(`data line "${line}": ${sizes[0]} inputs -> ${sizes[sizes.length - 1]} targets`);
        }
        inputs.push(x);
        targets.push(t);
    }
    if (inputs.length === 0) throw new PageError('the data set is empty');
    if ($('c-rule').value === 'sequential' && inputs.length !== 1) {
        throw new PageError('the sequential rule takes a data set of one sample');
    }
    return {
        ...CUSTOM_DEFAULT,
        sizes,
        activations: activations.slice(0, sizes.length - 1),
        loss: $('c-loss').value,
        bias: $('c-bias').value,
        frozenBiases: $('c-frozen').checked,
        rule: $('c-rule').value,
        seed: Math.max(0, Math.floor(Number($('c-seed').value) || 0)),
        rate: Number($('rate').value) || CUSTOM_DEFAULT.rate,
        inputs,
        targets,
    };
}

function writeCustom(def) {
    $('c-sizes').value = def.sizes.join('-');
    $('c-acts').value = def.activations.join(',');
    $('c-loss').value = def.loss;
    $('c-bias').value = def.bias;
    $('c-frozen').checked = !!def.frozenBiases;
    $('c-rule').value = def.rule;
    $('c-seed').value = def.seed ?? 1;
    $('c-data').value = def.inputs.map((x, s) => `${x.join(' ')} -> ${def.targets[s].join(' ')}`).join('\n');
}

// ---- drawing ------------------------------------------------------------

function fillSamples() {
    const select = $('sample');
    select.replaceChildren(...S.def.inputs.map((x, s) => new Option(`${s + 1}: (${x.join(', ')})`, String(s))));
    select.value = String(S.sample);
    $('sample-choice').hidden = S.def.inputs.length < 2;
}

function digits() {
    return Number($('digits').value);
}

function drawData(state) {
    const body = $('data').tBodies[0];
    body.replaceChildren();
    const top = state.sizes.length - 1;
    // Sides of 0.5 are marked only for a classification (targets 0 and 1).
    const classes = S.def.targets.flat().every((t) => t === 0 || t === 1);
    S.def.inputs.forEach((x, s) => {
        const out = state.samples[s] ? state.samples[s][top] : [];
        const t = S.def.targets[s];
        const right = out.length && out.every((o, k) => (o > 0.5) === (t[k] > 0.5));
        const tr = body.insertRow();
        tr.className = `${classes ? (right ? 'right' : 'wrong') : ''}${s === S.sample ? ' current' : ''}`;
        tr.dataset.sample = String(s);
        tr.insertCell().textContent = String(s + 1);
        tr.insertCell().textContent = x.join(', ');
        tr.insertCell().textContent = t.join(', ');
        const cell = tr.insertCell();
        cell.className = 'out';
        cell.dataset.v = out.map(full).join(' ');
        cell.textContent = out.map((o) => shown(o, digits() || 17)).join(', ');
        cell.title = cell.dataset.v;
    });
}

// Values on the drawing: during the parts of an update, the pending
// explanation's (outputs after the forward part, deltas and gradients after
// the backward part); otherwise the outputs of the current parameters.
function drawingView(state, json) {
    const s = Math.min(S.sample, json.samples.length - 1);
    let values = state.samples[S.sample] || null, deltas = null, gradients = null;
    if (S.phase > 0) {
        const sample = S.pending.samples[s];
        values = [sample.input, ...sample.layers.map((l) => l.a)];
        if (S.phase >= 3) {
            deltas = [null, ...sample.layers.map((l) => l.delta)];
            gradients = S.pending.params.map((p) => p.gradient);
        }
    }
    return { json, values, deltas, gradients, params: state.params, digits: digits() };
}

function show({ panel = true } = {}) {
    const err = lib.error();
    $('error').textContent = full(Number.isNaN(err) ? null : err);
    $('steps').textContent = String(S.steps);
    $('rule').textContent = S.def.rule + (lib.optimizerKind() >= 0 ? `, ${$('optimizer').value}` : '');
    $('phase-name').textContent = PHASES[S.phase];
    const state = lib.state();
    let json = S.phase > 0 ? S.pending : S.last;
    let title;
    if (S.phase > 0) title = `Update ${S.steps + 1}, part by part: ${PHASES.slice(0, S.phase).join(', ')}`;
    else if (json) title = `The last update (update ${S.steps})`;
    else {
        const e = lib.explain();
        check(e.status, 'the explanation');
        json = e.json;
        title = `The next update (update ${S.steps + 1})`;
    }
    drawNetwork($('network'), drawingView(state, json));
    drawData(state);
    drawCurve($('curve'), S.history);
    const two = state.sizes[0] === 2;
    $('surface-box').hidden = !two;
    if (two) {
        const all = S.def.inputs.flat();
        const lo = Math.min(0, ...all) - 0.25, hi = Math.max(1, ...all) + 0.25, res = 48;
        const values = lib.surface(res, lo, hi);
        if (values) drawSurface($('surface'), values, res, lo, hi, S.def.inputs, S.def.targets);
    }
    if (panel || !S.running) {
        $('explain-title').textContent = title;
        $('explain').innerHTML = renderExplain(json, { digits: digits(), phase: S.phase > 0 ? S.phase : 4, sampleIndex: S.sample });
    }
    if (!S.running) history.replaceState(null, '', link());
}

// ---- wiring -------------------------------------------------------------

function report(e) {
    if (e instanceof PageError) say(e.message);
    else {
        say(`internal error: ${e.message}`);
        console.error(e);
    }
}

function act(fn) {
    return (event) => {
        if (event && event.preventDefault && event.type === 'submit') event.preventDefault();
        say('');
        try {
            fn(event);
            show();
        } catch (e) {
            report(e);
        }
    };
}

function highlight(event) {
    const target = event.target.closest ? event.target.closest('[data-ref]') : null;
    document.querySelectorAll('.hl').forEach((e) => e.classList.remove('hl'));
    if (!target) return;
    const name = CSS.escape(target.dataset.ref);
    document.querySelectorAll(`#network [data-ref="${name}"], #explain [data-ref="${name}"]`)
        .forEach((e) => e.classList.add('hl'));
}

function fillMenus() {
    for (const name of lib.optimizerNames()) $('optimizer').add(new Option(name, name));
    for (const name of lib.lossNames()) $('c-loss').add(new Option(name, name));
    $('c-loss').value = 'half_sse';
    $('c-acts').title = `one per layer after the inputs: ${lib.activationNames().join(', ')}`;
}

async function main() {
    lib = await openLibrary();
    $('version').textContent = `version ${lib.version()}`;
    fillMenus();
    $('example').addEventListener('change', act(() => load($('example').value)));
    $('step').addEventListener('click', act(() => { stop(); step(); }));
    $('phase').addEventListener('click', act(() => { stop(); nextPart(); }));
    $('run').addEventListener('click', act(run));
    $('reset').addEventListener('click', act(() => load(S.id)));
    $('rate').addEventListener('change', act(() => check(lib.setRate(Number($('rate').value)), 'the learning rate')));
    $('optimizer').addEventListener('change', act(() => {
        const name = $('optimizer').value;
        check(lib.setOptimizer(name === '' ? -1 : lib.optimizerCode(name)), 'the optimiser');
        S.last = null;
        S.phase = 0;
    }));
    $('digits').addEventListener('change', act(() => {}));
    $('sample').addEventListener('change', act(() => { S.sample = Number($('sample').value); }));
    $('data').addEventListener('click', act((e) => {
        const tr = e.target.closest('tr[data-sample]');
        if (tr) S.sample = Number(tr.dataset.sample);
        $('sample').value = String(S.sample);
    }));
    $('custom-form').addEventListener('submit', act(() => load('custom')));
    $('save').addEventListener('click', act(save));
    $('load').addEventListener('change', async () => {
        const file = $('load').files[0];
        if (!file) return;
        const text = await file.text();
        $('load').value = '';
        act(() => { stop(); loadModel(text, 0); })();
    });
    $('share').addEventListener('click', act(() => {
        say(`link to this state: ${location.href}`);
        if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
    }));
    document.addEventListener('mouseover', highlight);
    writeCustom(CUSTOM_DEFAULT);
    try {
        if (!fromLink(location.hash)) load('C');
    } catch (e) {
        report(e);
        load('C');
    }
    show();
    document.body.dataset.ready = '1';
}

main().catch((e) => {
    const hint = location.protocol === 'file:' ? ' (a page opened from a file cannot fetch its wasm: serve the folder over HTTP, see docs/web.md)' : '';
    say(`the library could not be loaded: ${e.message}${hint}`);
});
