// Reference values of the worked examples, computed independently of the
// library (exact double-precision arithmetic checked against PyTorch
// float64; the manual's pages docs/example-*.md quote them). They are kept
// as the text printed there: a value with 14 or more significant digits is
// compared within 1e-12 relative, a shorter one within half a unit of its
// last digit (12 significant digits unless longer).

export const REFERENCE = {
    A: {
        error: ['0.593244871904', '0.592452097822'],
        explain: {
            'grad:b1': '0.00238820119373', // the shared bias: delta_h1 + delta_h2
            'grad:w7': '0.0765351284059',
            'new:w1': '0.0999801608813',
            'new:w10': '0.0988071154152',
            'new:b2': '0.498025425022',
            'out:o1': '0.88955061397',
            'loss_after': '0.592452097822',
        },
    },
    B: {
        error: ['0.684560968098', '0.35063599184'],
        explain: {
            'out:h21': '0.630094840684',
            'delta:h11': '0.087670093625',
            'grad:b12': '0.0571562974334',
            'new:w111': '0.205610885992',
            'new:w212': '0.100754569919',
            'new:b21': '0.165981031863',
            'loss_after': '0.35063599184',
        },
    },
    C: {
        error: ['0.298371108760003', '0.291027773693599'],
        explain: {
            'out:h1': '0.593269992107',
            'out:o1': '0.751365069552',
            'term:o1': '0.274811083176',
            'sample-loss': '0.29837110876',
            'delta:o1': '0.138498561629',
            'dE_da:h1': '0.0363503063931',
            'grad:w1': '0.000438567734474',
            'grad:w5': '0.0821670405642',
            'grad:b2': '0.100400325112',
            'new:w1': '0.149780716133',
            'new:w5': '0.358916479718',
            'new:w8': '0.561370121108',
            'new:b1': '0.35',
            'loss_after': '0.291027773694',
        },
        after10: '0.220918592054',
    },
    'C-sequential': {
        error: ['0.298371108760003', '0.291027923905'],
        explain: {
            'dE_da:h1': '0.0302297394609',
            'dE_da:h2': '0.0352124673105',
            'new:w1': '0.149817638561',
            'new:w4': '0.299576370396',
            'new:w5': '0.358916479718',
            'loss_after': '0.291027923905',
        },
    },
    D: {
        // True XOR, numpy seed 0, learning rate 0.1, gradients summed.
        error: ['0.78137130617', '0.775686321718'],
        explain: {
            'sum:w1_1_1': '0.00426722348954',
            'sum:w1_1_2': '0.00425623532668',
            'sum:w1_2_1': '0.00684636537971',
            'sum:w1_2_2': '0.00658941627921',
            'sum:b1_1': '0.013996638978',
            'sum:b1_2': '0.0256096889736',
            'sum:w2_1_1': '0.115373178638',
            'sum:w2_1_2': '0.123072963696',
            'sum:b2_1': '0.164256972636',
            'loss': '0.78137130617',
            'loss_after': '0.775686321718',
        },
    },
};

// Whether x agrees with the printed reference text.
export function agrees(x, text) {
    const ref = Number(text);
    const digits = text.replace(/^-?0*\.?0*/, '').replace(/[eE].*$/, '').replace('.', '').length;
    if (digits >= 14) return Math.abs(x - ref) <= 1e-12 * Math.abs(ref);
    const exponent = Math.floor(Math.log10(Math.abs(ref)));
    return Math.abs(x - ref) <= 0.5 * 10 ** (exponent - Math.max(digits, 12) + 1) * (1 + 1e-9);
}
