// The worked examples of the manual (docs/example-*.md): each tutorial's
// network, starting parameters, data and learning rate, as the tutorial gives
// them, with its own names for units and parameters. These are inputs only:
// everything computed from them comes from the library.
//
// params are in the library's flat order (nn_get_params()): per layer its
// weights row by row (row = receiving unit), then its biases.

export const EXAMPLES = {
    A: {
        title: 'A: 3-2-2, one shared bias per layer (A Not So Random Walk)',
        sizes: [3, 2, 2],
        activations: ['sigmoid', 'sigmoid'],
        bias: 'shared',
        frozenBiases: false,
        loss: 'half_sse',
        rate: 0.01,
        rule: 'standard',
        params: [0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.5, 0.7, 0.9, 0.8, 0.1, 0.5],
        inputs: [[1, 4, 5]],
        targets: [[0.1, 0.05]],
        units: [['x1', 'x2', 'x3'], ['h1', 'h2'], ['o1', 'o2']],
        paramNames: ['w1', 'w3', 'w5', 'w2', 'w4', 'w6', 'b1', 'w7', 'w9', 'w8', 'w10', 'b2'],
        page: 'example-a',
    },
    B: {
        title: 'B: 2-2-1, linear output (upGrad house prices)',
        sizes: [2, 2, 1],
        activations: ['sigmoid', 'linear'],
        bias: 'per_neuron',
        frozenBiases: false,
        loss: 'half_sse',
        rate: 0.2,
        rule: 'standard',
        params: [0.2, 0.15, 0.5, 0.6, 0.1, 0.25, 0.3, 0.2, 0.4],
        inputs: [[-0.32, -0.66]],
        targets: [[-0.54]],
        units: [['x1', 'x2'], ['h11', 'h12'], ['h21']],
        paramNames: ['w111', 'w112', 'w121', 'w122', 'b11', 'b12', 'w211', 'w212', 'b21'],
        page: 'example-b',
    },
    C: {
        title: 'C: 2-2-2, frozen shared biases (Matt Mazur), standard rule',
        sizes: [2, 2, 2],
        activations: ['sigmoid', 'sigmoid'],
        bias: 'shared',
        frozenBiases: true,
        loss: 'half_sse',
        rate: 0.5,
        rule: 'standard',
        params: [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
        inputs: [[0.05, 0.1]],
        targets: [[0.01, 0.99]],
        units: [['i1', 'i2'], ['h1', 'h2'], ['o1', 'o2']],
        paramNames: ['w1', 'w2', 'w3', 'w4', 'b1', 'w5', 'w6', 'w7', 'w8', 'b2'],
        page: 'example-c',
    },
    D: {
        title: 'D: XOR, 2-2-1, batch of 4, numpy seed 0 (Backpropagation Hand by Hand, corrected data)',
        sizes: [2, 2, 1],
        activations: ['sigmoid', 'sigmoid'],
        bias: 'per_neuron',
        frozenBiases: false,
        loss: 'half_sse',
        rate: 0.1,
        rule: 'standard',
        seed: 0,
        inputs: [[0, 0], [0, 1], [1, 0], [1, 1]],
        targets: [[0], [1], [1], [0]],
        units: [['x1', 'x2'], ['h1', 'h2'], ['o1']],
        page: 'example-d',
    },
};

// C under the sequential rule of the first version of the author's program,
// which gives the post's printed error after one step.
EXAMPLES['C-sequential'] = {
    ...EXAMPLES.C,
    title: 'C: 2-2-2, frozen shared biases (Matt Mazur), sequential rule',
    rule: 'sequential',
};

// The network the custom form starts from.
export const CUSTOM_DEFAULT = {
    title: 'custom',
    sizes: [2, 3, 1],
    activations: ['tanh', 'sigmoid'],
    bias: 'per_neuron',
    frozenBiases: false,
    loss: 'half_sse',
    rate: 0.5,
    rule: 'standard',
    seed: 1,
    inputs: [[0, 0], [0, 1], [1, 0], [1, 1]],
    targets: [[0], [1], [1], [0]],
};
