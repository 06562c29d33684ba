// How the page writes a number the library computed. The full value is
// always String(x), the shortest text that reads back as the same double;
// the shown value has `digits` significant digits, kept exactly when that
// many hold it (0.15 stays 0.15), rounded otherwise with every digit kept
// (0.593270), as the library's own text explanation does.

export function full(x) {
    return x === null || x === undefined ? 'not finite' : String(x);
}

export function shown(x, digits) {
    if (x === null || x === undefined) return 'not finite';
    if (!digits || Number(x.toPrecision(digits)) === x) return String(x);
    return x.toPrecision(digits);
}

// A number as MathML: <mn> with the full value in data-v, 1.5e-7 as
// 1.5 × 10^-7, and in parentheses when negative inside a formula.
export function mathNumber(x, digits, inFormula) {
    const text = shown(x, digits);
    const m = /^(-?[0-9.]+)e([+-][0-9]+)$/.exec(text);
    let body = m
        ? `<mn>${m[1]}</mn><mo>×</mo><msup><mn>10</mn><mn>${Number(m[2])}</mn></msup>`
        : `<mn>${text}</mn>`;
    body = `<mrow data-v="${full(x)}">${body}</mrow>`;
    return inFormula && x < 0 ? `<mrow><mo>(</mo>${body}<mo>)</mo></mrow>` : body;
}

// A name as MathML: its leading letters, then the rest as a subscript in
// which '_' becomes a comma (w5 -> w_5, h1_2 -> h_{1,2}), as the library's
// Markdown explanation typesets names.
export function mathName(name, sup) {
    const m = /^([A-Za-z]+)([0-9_].*)$/.exec(name);
    let body = m
        ? `<msub><mi>${m[1]}</mi><mi>${m[2].replace(/^_/, '').replace(/_/g, ',')}</mi></msub>`
        : `<mi>${name}</mi>`;
    if (sup) body = `<msup>${body}<mo>${sup}</mo></msup>`;
    return body;
}
