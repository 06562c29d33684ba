// The library, compiled to WebAssembly, behind plain JavaScript calls: one
// method per function of web/glue.c. Arrays go in through the module's heap;
// text comes back as the library wrote it.
import createBackprop from './backprop.js';

export async function openLibrary() {
    return new Library(await createBackprop());
}

class Library {
    constructor(module) {
        this.m = module;
    }

    // Runs fn with a heap copy of the numbers (pointer), then frees it.
    withDoubles(values, fn) {
        const m = this.m;
        const p = m._malloc(8 * Math.max(values.length, 1));
        m.HEAPF64.set(values, p >> 3);
        try {
            return fn(p);
        } finally {
            m._free(p);
        }
    }

    withInts(values, fn) {
        const m = this.m;
        const p = m._malloc(4 * Math.max(values.length, 1));
        m.HEAP32.set(values, p >> 2);
        try {
            return fn(p);
        } finally {
            m._free(p);
        }
    }

    withString(s, fn) {
        const m = this.m;
        const n = m.lengthBytesUTF8(s) + 1;
        const p = m._malloc(n);
        m.stringToUTF8(s, p, n);
        try {
            return fn(p, n - 1);
        } finally {
            m._free(p);
        }
    }

    text(p) {
        return p ? this.m.UTF8ToString(p) : null;
    }

    strerror(status) {
        return this.text(this.m._web_strerror(status));
    }

    version() {
        return this.text(this.m._web_version());
    }

    // Names the library knows, by code from 0 until there is none.
    names(fn) {
        const list = [];
        for (let code = 0; code < 64; code++) {
            const name = this.text(fn(code));
            if (name === null) break;
            list.push(name);
        }
        return list;
    }

    activationNames() {
        return this.names(this.m._web_activation_name);
    }

    lossNames() {
        return this.names(this.m._web_loss_name);
    }

    optimizerNames() {
        return this.names(this.m._web_optimizer_name);
    }

    code(fn, name) {
        return this.withString(name, (p) => fn(p));
    }

    activationCode(name) {
        return this.code(this.m._web_activation_code, name);
    }

    lossCode(name) {
        return this.code(this.m._web_loss_code, name);
    }

    biasCode(name) {
        return this.code(this.m._web_bias_code, name);
    }

    optimizerCode(name) {
        return this.code(this.m._web_optimizer_code, name);
    }

    create(sizes, activations, biasMode, frozenBiases, loss) {
        return this.withInts(sizes, (ps) =>
            this.withInts(activations, (pa) =>
                this.m._web_create(sizes.length, ps, pa, biasMode, frozenBiases ? 1 : 0, loss)));
    }

    load(modelText) {
        return this.withString(modelText, (p, n) => this.m._web_load(p, n));
    }

    save() {
        return this.text(this.m._web_save());
    }

    setParams(params) {
        return this.withDoubles(params, (p) => this.m._web_set_params(p, params.length));
    }

    initNumpy(seed) {
        return this.m._web_init_numpy(seed);
    }

    setData(n, inputs, targets) {
        return this.withDoubles(inputs, (pi) =>
            this.withDoubles(targets, (pt) => this.m._web_set_data(n, pi, inputs.length, pt, targets.length)));
    }

    setRate(rate) {
        return this.m._web_set_rate(rate);
    }

    setRule(rule) {
        return this.m._web_set_rule(rule);
    }

    setOptimizer(kind) {
        return this.m._web_set_optimizer(kind);
    }

    optimizerKind() {
        return this.m._web_optimizer_kind();
    }

    nameUnit(layer, index, name) {
        return this.withString(name, (p) => this.m._web_name_unit(layer, index, p));
    }

    nameParam(index, name) {
        return this.withString(name, (p) => this.m._web_name_param(index, p));
    }

    error() {
        return this.m._web_error();
    }

    // Takes up to n updates: {status, taken}.
    train(n) {
        return this.withInts([0], (p) => {
            const status = this.m._web_train(n, p);
            return { status, taken: this.m.HEAP32[p >> 2] };
        });
    }

    // The library's JSON explanation of the next update: {status, json}.
    explain() {
        return this.withInts([0], (p) => {
            const text = this.text(this.m._web_explain(p));
            return { status: this.m.HEAP32[p >> 2], json: text === null ? null : JSON.parse(text) };
        });
    }

    state() {
        const text = this.text(this.m._web_state());
        return text === null ? null : JSON.parse(text);
    }

    // The first output over res x res points of [lo, hi]^2, top row first.
    surface(res, lo, hi) {
        const values = new Float64Array(res * res);
        const status = this.withDoubles(values, (p) => {
            const s = this.m._web_surface(res, lo, hi, p);
            values.set(this.m.HEAPF64.subarray(p >> 3, (p >> 3) + res * res));
            return s;
        });
        return status === 0 ? values : null;
    }
}
