-- Tests of the LuaJIT binding on the classic 2-2-2 worked example (inputs
-- 0.05, 0.10; targets 0.01, 0.99; sigmoid layers; one shared, frozen bias per
-- layer; learning rate 0.5). Reference values are exact double-precision
-- figures computed independently of this library.
-- Usage: BACKPROP_LIBRARY=<builddir>/libbackprop.so luajit test.lua
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path

local backprop = require("backprop")
local S = backprop.status

local passed, failed = 0, 0

local function test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
    print("ok      " .. name)
  else
    failed = failed + 1
    print("FAILED  " .. name .. ": " .. tostring(err))
  end
end

local function close_list(actual, expected, rel, what)
  rel = rel or 1e-10
  assert(#actual == #expected, (what or "") .. ": length " .. #actual .. " ~= " .. #expected)
  for i = 1, #expected do
    local a, e = actual[i], expected[i]
    if not (math.abs(a - e) <= rel * math.abs(e)) then
      error(string.format("%s[%d]: %.17g differs from %.17g", what or "", i, a, e), 2)
    end
  end
end

local function raises(status, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error with status " .. status)
  assert(backprop.is_error(err), "not a library error: " .. tostring(err))
  assert(err.status == status, "status " .. tostring(err.status) .. ", expected " .. status)
  assert(err.message == backprop.strerror(status), "message: " .. err.message)
  if err.detail == nil then
    assert(tostring(err) == err.message)
  else
    assert(tostring(err) == err.message .. " (" .. err.detail .. ")", tostring(err))
  end
  return err
end

local X, T, RATE = { 0.05, 0.10 }, { 0.01, 0.99 }, 0.5
local W1 = { 0.15, 0.20, 0.25, 0.30 }
local W2 = { 0.40, 0.45, 0.50, 0.55 }
local B1, B2 = 0.35, 0.60

local function example_c()
  local net = backprop.Network({ 2, 2, 2 }, { "sigmoid", "sigmoid" })
  net:set_bias_mode(1, "shared")
  net:set_bias_mode(2, "shared")
  net:set_weights(1, { { 0.15, 0.20 }, { 0.25, 0.30 } })
  net:set_weights(2, W2)
  net:set_biases(1, { B1 })
  net:set_biases(2, { B2 })
  net:set_frozen(1, false, true)
  net:set_frozen(2, false, true)
  return net
end

test("flat parameter order", function()
  local net = example_c()
  local p = net:params()
  local expected = { 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60 }
  for i = 1, 10 do assert(p[i] == expected[i], "params[" .. i .. "]") end
  assert(net:param_count() == 10 and net:layer_count() == 3)
  local fw, fb = net:get_frozen(2)
  assert(fw == false and fb == true)
  assert(net:get_activation_name(1) == "sigmoid")
  net:close()
end)

test("forward pass and error", function()
  local net = example_c()
  close_list(net:forward(X), { 0.751365069552, 0.772928465321 }, nil, "outputs")
  close_list(net:net_inputs(1), { 0.3775, 0.3925 }, nil, "net h")
  close_list(net:outputs(1), { 0.593269992107, 0.59688437826 }, nil, "out h")
  close_list(net:net_inputs(2), { 1.10590596706, 1.2249214041 }, nil, "net o")
  close_list({ net:loss(T) }, { 0.29837110876 }, nil, "E")
end)

test("gradients", function()
  local net = example_c()
  net:forward(X)
  net:backward(T)
  close_list(net:deltas(2), { 0.138498561629, -0.0380982365166 }, nil, "delta o")
  close_list(net:deltas(1), { 0.00877135468949, 0.00995425470522 }, nil, "delta h")
  close_list(net:weight_grads(1), { 0.000438567734474, 0.000877135468949,
                                    0.000497712735261, 0.000995425470522 }, nil, "dW1")
  close_list(net:weight_grads(2), { 0.0821670405642, 0.0826676278475,
                                    -0.0226025404775, -0.022740242216 }, nil, "dW2")
  close_list(net:bias_grads(1), { 0.0187256093947 }, nil, "db1")
  close_list(net:bias_grads(2), { 0.100400325112 }, nil, "db2")
  net:close()
end)

local NEW_W1 = { 0.149780716133, 0.199561432266, 0.249751143632, 0.299502287265 }
local NEW_W2 = { 0.358916479718, 0.408666186076, 0.511301270239, 0.561370121108 }

test("one standard step", function()
  local net = example_c()
  net:forward(X)
  net:backward(T)
  net:step(RATE)
  close_list(net:get_weights(1), NEW_W1, nil, "w1..w4")
  close_list(net:get_weights(2), NEW_W2, nil, "w5..w8")
  assert(net:get_biases(1)[1] == B1 and net:get_biases(2)[1] == B2, "frozen biases moved")
  close_list(net:forward(X), { 0.742088111191, 0.775284968294 }, nil, "outputs after")
  close_list({ net:loss(T) }, { 0.291027773694 }, nil, "E after")
end)

test("train_sample equals the standard step", function()
  local net = example_c()
  net:train_sample(X, T, RATE)
  close_list(net:get_weights(1), NEW_W1, nil, "w1..w4")
  close_list(net:get_weights(2), NEW_W2, nil, "w5..w8")
end)

test("one sequential step", function()
  local net = example_c()
  net:train_sequential(X, T, RATE)
  close_list(net:get_weights(1), { 0.149817638561, 0.199635277122,
                                   0.249788185198, 0.299576370396 }, nil, "w1..w4")
  close_list(net:get_weights(2), NEW_W2, nil, "w5..w8")
  net:forward(X)
  close_list({ net:loss(T) }, { 0.291027923905 }, nil, "E after")
end)

test("clone is independent", function()
  local net = example_c()
  local twin = net:clone()
  twin:train_sample(X, T, RATE)
  close_list(twin:get_weights(1), NEW_W1, nil, "clone")
  assert(net:get_weights(1)[1] == 0.15, "original changed")
  twin:close()
  net:close()
end)

test("wrong count", function()
  local net = example_c()
  local err = raises(S.ERR_COUNT, net.set_weights, net, 1, { 0.1, 0.2, 0.3 })
  assert(err.func == "nn_set_weights")
  assert(net:get_weights(1)[3] == 0.25, "network changed by a failed call")
  raises(S.ERR_COUNT, net.forward, net, { 0.05 })
  raises(S.ERR_COUNT, backprop.Network, { 2, 2, 1 }, { "sigmoid" })
end)

-- Refused with a plain error (not a library error) whose text has *pattern*.
local function refused(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error matching '" .. pattern .. "'")
  assert(type(err) == "string", "not a string error: " .. tostring(err))
  assert(err:find(pattern), "error '" .. err .. "' does not match '" .. pattern .. "'")
end

test("count errors say both counts", function()
  local net = backprop.Network({ 2, 3, 2 }, "sigmoid")
  local function detail(...) return raises(S.ERR_COUNT, ...).detail end
  assert(detail(net.set_weights, net, 1, { 1, 2, 3, 4, 5 })
         == "expected 6 weights for layer 1 (3x2), got 5")
  assert(detail(net.set_weights, net, 2, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } })
         == "expected 6 weights for layer 2 (2x3), got 9")
  assert(detail(net.set_biases, net, 1, { 1, 2 }) == "expected 3 biases for layer 1, got 2")
  net:set_bias_mode(2, "shared")
  assert(detail(net.set_biases, net, 2, { 1, 2 }) == "expected 1 bias for layer 2 (shared), got 2")
  assert(detail(net.set_params, net, { 1 }) == "expected 16 parameters, got 1")
  assert(detail(net.set_grads, net, {}) == "expected 16 gradients, got 0")
  assert(detail(net.forward, net, { 1, 2, 3 }) == "expected 2 inputs, got 3")
  net:forward({ 1, 2 })
  assert(detail(net.loss, net, { 1 }) == "expected 2 targets, got 1")
  assert(detail(net.backward, net, { 1, 2, 3 }) == "expected 2 targets, got 3")
  assert(detail(net.train_sample, net, { 1 }, { 1, 2 }, 0.1) == "expected 2 inputs, got 1")
  assert(detail(net.train_sequential, net, { 1, 2 }, { 1 }, 0.1) == "expected 2 targets, got 1")
  assert(detail(backprop.Network, { 2, 2, 1 }, { "sigmoid" })
         == "expected 2 activations (one per layer after the inputs), got 1")
  net:close()
end)

test("integers that do not fit their C type are refused", function()
  -- The FFI truncates and wraps: 2^64 + 4096 was a layer of 4096 units,
  -- 2^64 + 2048 the layer 1 (doubles: + 2048 is the next one after 2^64).
  refused("does not fit a C size_t", backprop.Network, { 2 ^ 64 + 4096, 1 }, "linear")
  refused("must be an integer", backprop.Network, { 2, 1.5 }, "linear")
  refused("must not be negative", backprop.Network, { 2, -1 }, "linear")
  refused("must be an integer", backprop.Network, { 2, 0 / 0 }, "linear")
  refused("does not fit a C int", backprop.Network, { 2, 1 }, 2 ^ 32 + 1)
  local net = backprop.Network({ 2, 3, 2 }, "sigmoid")
  net:init_random(1)
  local before = net:params()
  local big = 2 ^ 64 + 4096
  for _, call in ipairs({
    function() net:set_weights(big, { 0, 0, 0, 0, 0, 0 }) end,
    function() net:set_biases(big, { 0, 0, 0 }) end,
    function() net:get_weights(big) end,
    function() net:get_biases(big) end,
    function() net:weight_grads(big) end,
    function() net:bias_grads(big) end,
    function() net:net_inputs(big) end,
    function() net:outputs(big) end,
    function() net:deltas(big) end,
    function() net:layer_size(big) end,
    function() net:set_activation(big, "relu") end,
    function() net:get_activation_name(big) end,
    function() net:set_bias_mode(big, "shared") end,
    function() net:get_bias_mode(big) end,
    function() net:set_frozen(big, true, true) end,
    function() net:get_frozen(big) end,
  }) do
    refused("layer .* does not fit a C size_t", call)
  end
  refused("layer must be an integer, got 1.5", net.set_weights, net, 1.5, { 0, 0, 0, 0, 0, 0 })
  refused("layer must be an integer", net.get_weights, net, "1")
  refused("does not fit a C int", net.set_activation, net, 1, 2 ^ 32 + 2)
  refused("does not fit a C int", net.set_loss, net, 2 ^ 32 + 1)
  refused("does not fit a C int", net.set_bias_mode, net, 1, 2 ^ 32 + 1)
  refused("must be an integer", net.set_bias_mode, net, 1, 0.5)
  refused("does not fit a C int", net.init_random, net, 1, 2 ^ 32 + 1)
  refused("seed 1.8446744073709552e%+19 does not fit a C unsigned long", net.init_random, net,
          2 ^ 64)
  refused("seed must not be negative", net.init_random, net, -1)
  refused("seed must be an integer", net.init_random, net, 0.5)
  for i, v in ipairs(net:params()) do assert(v == before[i], "network changed") end
  assert(net:get_activation_name(1) == "sigmoid" and net:get_loss() == 0)
  assert(net:get_bias_mode(1) == 0 and not net:get_frozen(1))
  assert(net:get_weights(1ULL)[1] == net:get_weights(1)[1])  -- FFI integers work too
  -- A negative layer stays out of range, like one past the last.
  raises(S.ERR_LAYER_RANGE, net.set_weights, net, -1, { 0 })
  assert(net:layer_size(-1) == 0 and net:get_bias_mode(-1) == -1)
  net:close()
end)

test("a NUL byte in the library path is refused", function()
  refused("NUL", backprop.load, "libbackprop.so\0.evil")
end)

test("backward before forward", function()
  local net = example_c()
  local err = raises(S.ERR_NO_FORWARD, net.backward, net, T)
  assert(err.func == "nn_backward")
  net:forward(X)
  raises(S.ERR_NO_BACKWARD, net.deltas, net, 1)
end)

test("NaN learning rate", function()
  local net = example_c()
  net:forward(X)
  net:backward(T)
  raises(S.ERR_NOT_FINITE, net.step, net, 0 / 0)
  raises(S.ERR_NOT_FINITE, net.train_sample, net, X, T, math.huge)
  assert(net:get_weights(2)[1] == 0.40, "network changed by a failed call")
  close_list(net:weight_grads(2), { 0.0821670405642, 0.0826676278475,
                                    -0.0226025404775, -0.022740242216 }, nil, "dW2 kept")
end)

test("divergence", function()
  local net = backprop.Network({ 1, 1 }, "linear")
  net:set_params({ 1e308, 0.0 })
  net:set_grads({ -1e308, 0.0 })
  -- 1e308 + 1e308 would overflow: refused, nothing changed
  local err = raises(S.ERR_DIVERGED, net.step, net, 1.0)
  assert(backprop.is_diverged(err), "not a divergence error")
  assert(err.message:find("learning rate"), err.message)
  assert(net:params()[1] == 1e308 and net:grads()[1] == -1e308, "network changed")
  assert(not backprop.is_diverged(raises(S.ERR_NOT_FINITE, net.step, net, 0 / 0)))
  -- a real divergence: the rate makes the weight explode
  net:set_params({ 1.0, 0.0 })
  net:zero_grads()
  local ok, e = pcall(function()
    for _ = 1, 1000 do net:train_sample({ 10.0 }, { 1.0 }, 10.0) end
  end)
  assert(not ok and backprop.is_diverged(e), "no divergence: " .. tostring(e))
  for _, v in ipairs(net:params()) do assert(v == v and math.abs(v) < math.huge, "not finite") end
  net:close()
end)

test("other errors", function()
  local net = example_c()
  raises(S.ERR_LAYER_RANGE, net.set_weights, net, 3, W1)
  raises(S.ERR_LAYER_RANGE, net.get_activation_name, net, 0)
  raises(S.ERR_ACTIVATION, net.set_activation, net, 1, 99)
  raises(S.ERR_ZERO_SIZE, backprop.Network, { 2, 0, 1 }, "sigmoid")
  assert(not pcall(net.set_loss, net, "no_such_loss"))
end)

test("batch reduction", function()
  local net = example_c()
  assert(net:get_reduction() == backprop.reduction.sum)
  net:set_reduction("mean")
  assert(net:get_reduction() == backprop.reduction.mean)
  local twin = net:clone()
  assert(twin:get_reduction() == backprop.reduction.mean)
  twin:close()
  raises(S.ERR_ARGUMENT, net.set_reduction, net, 2)
  raises(S.ERR_ARGUMENT, net.set_reduction, net, -1)
  assert(net:get_reduction() == backprop.reduction.mean)
  assert(not pcall(net.set_reduction, net, "average"))
  refused("does not fit a C int", net.set_reduction, net, 2 ^ 32 + 1)
  net:set_reduction(0)
  assert(net:get_reduction() == backprop.reduction.sum)
  net:close()
end)

test("scaling and class names", function()
  local net = backprop.Network({ 2, 3, 2 }, { "tanh", "linear" })
  net:init_random(5, "xavier")
  assert(net:input_scaling() == nil)
  net:fit_input_scaling("standard", { { 1, 10 }, { 3, 30 }, { 5, 20 } })
  local offset, scale = net:input_scaling()
  close_list(offset, { 3, 20 }, 0, "offsets")
  close_list(scale, { math.sqrt(8 / 3), math.sqrt(200 / 3) }, 1e-15, "scales")
  -- every forward pass scales its raw inputs: the same outputs as a twin without scaling
  local twin = net:clone()
  twin:fit_input_scaling("none")
  local scaled = net:scale_inputs({ 4, 25 })
  close_list(scaled, { (4 - 3) / scale[1], (25 - 20) / scale[2] }, 0, "scaled")
  close_list(net:forward({ 4, 25 }), twin:forward(scaled), 0, "outputs")
  net:set_target_scaling({ 10, -1 }, { 4, 0.25 })
  close_list(net:scale_targets({ 14, 0 }), { 1, 4 }, 0, "scaled targets")
  close_list(net:unscale_outputs({ 1, 4 }), { 14, 0 }, 0, "raw outputs")
  raises(S.ERR_ARGUMENT, net.set_input_scaling, net, { 0, 0 }, { 1, 0 })
  raises(S.ERR_COUNT, net.set_target_scaling, net, { 0 }, { 1 })
  raises(S.ERR_COUNT, net.fit_target_scaling, net, "minmax", {})
  assert(not pcall(net.fit_input_scaling, net, "zscore", { 1, 2 }))
  net:set_class_names({ "cat", "big dog" })
  local opt = backprop.Optimizer(net, "sgd")
  local loaded = backprop.checkpoint_from_string(opt:checkpoint_string())
  opt:close()
  local names = loaded:class_names()
  assert(#names == 2 and names[1] == "cat" and names[2] == "big dog", "class names")
  close_list(select(2, loaded:target_scaling()), { 4, 0.25 }, 0, "loaded scales")
  raises(S.ERR_COUNT, net.set_class_names, net, { "one" })
  net:set_class_names({})
  assert(#net:class_names() == 0)
  loaded:close()
  twin:close()
  net:close()
end)

-- tests/ref/optimizers.h (PyTorch 1.13, float64) read as Lua: its arrays and
-- case tables are C initialisers, which are Lua table constructors once the
-- array names are bound.
local function read_reference()
  local f = assert(io.open(here .. "/../../tests/ref/optimizers.h", "r"))
  local text = f:read("*a"):gsub("/%*.-%*/", " ")
  f:close()
  local ref = { arrays = {}, macros = {} }
  for name, value in text:gmatch("#define ([%w_]+) ([%-%d%.e]+)%s") do
    ref.macros[name] = tonumber(value)
  end
  for name, body in text:gmatch("static const double ([%w_]+)%[%d+%] = (%b{});") do
    ref.arrays[name] = assert(loadstring("return " .. body))()
  end
  for name, body in text:gmatch("static const struct [%w_]+ ([%w_]+)%[%] = (%b{});") do
    local chunk = assert(loadstring("return " .. body))
    ref[name] = setfenv(chunk, ref.arrays)()
  end
  return ref
end

local function close_to_torch(ours, torch, what)
  assert(#ours == #torch, what .. ": length " .. #ours .. " ~= " .. #torch)
  for i = 1, #torch do
    if not (math.abs(ours[i] - torch[i]) <= 1e-12 * math.max(1, math.abs(torch[i]))) then
      error(string.format("%s[%d] = %.17g, torch %.17g", what, i, ours[i], torch[i]), 2)
    end
  end
end

local function slice(t, first, n)
  local out = {}
  for i = 1, n do out[i] = t[first + i] end
  return out
end

test("optimisers against PyTorch", function()
  local ref = read_reference()
  local steps, samples = ref.macros.REF_STEPS, ref.macros.REF_SAMPLES
  local kind_names = {}
  for name, code in pairs(backprop.optimizer) do kind_names[code] = name end
  local hp_names = {}
  for name, code in pairs(backprop.hyperparameter) do hp_names[code] = name end
  local seen, n_cases = {}, 0
  for c, rc in ipairs(ref.ref_opt_cases) do
    -- fields as in struct ref_opt_case
    local n_layers, sizes, acts, loss, shared, kind, n_hp, hp_codes, hp_values, rate, frozen,
          n_params, n_state, params0, x, t, params, state = unpack(rc)
    local net = backprop.Network(slice(sizes, 0, n_layers), slice(acts, 0, n_layers - 1))
    net:set_loss(loss)
    if shared ~= 0 then net:set_bias_mode(shared, "shared") end
    net:set_params(params0)
    local hps = {}
    for h = 1, n_hp do hps[hp_names[hp_codes[h]]] = hp_values[h] end
    local opt = backprop.Optimizer(net, kind_names[kind], hps)
    local n_in, n_out = sizes[1], sizes[n_layers]
    for s = 0, steps - 1 do
      for k = 1, n_layers - 1 do
        local bits = math.floor(frozen[s + 1] / 4 ^ (k - 1)) % 4
        net:set_frozen(k, bits % 2 == 1, bits >= 2)
      end
      for r = s * samples, s * samples + samples - 1 do
        net:forward(slice(x, r * n_in, n_in))
        net:backward(slice(t, r * n_out, n_out))
      end
      opt:step(rate * (1 - 0.05 * s))
    end
    close_to_torch(net:params(), params, "case " .. (c - 1) .. " params")
    assert(opt:state_count() == n_state)
    close_to_torch(opt:state(), state, "case " .. (c - 1) .. " state")
    seen[kind] = true
    n_cases = n_cases + 1
    opt:close()
    net:close()
  end
  assert(n_cases >= 5, "only " .. n_cases .. " cases")
  for code = 0, 4 do assert(seen[code], "no case of kind " .. code) end
end)

test("Adam by hand", function()
  -- y = w x + b, E = (y - t)^2 / 2: dE/dw = (y - t) x, dE/db = y - t
  local x, t, rate, b1, b2, eps = 2.0, 1.0, 0.01, 0.8, 0.999, 1e-8
  local p, m, v = { 0.5, 0.1 }, { 0, 0 }, { 0, 0 }
  local net = backprop.Network({ 1, 1 }, "linear")
  net:set_params(p)
  local opt = backprop.Optimizer(net, "adam", { beta1 = b1 })
  for step = 1, 3 do
    local err = p[1] * x + p[2] - t
    local g = { err * x, err }
    for i = 1, 2 do
      m[i] = b1 * m[i] + (1 - b1) * g[i]
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
      local denominator = math.sqrt(v[i]) / math.sqrt(1 - b2 ^ step) + eps
      p[i] = p[i] - rate / (1 - b1 ^ step) * m[i] / denominator
    end
    net:forward({ x })
    net:backward({ t })
    opt:step(rate)
  end
  close_list(net:params(), p, 1e-14, "params")
  close_list(opt:state(), { 3, 3, m[1], m[2], v[1], v[2] }, 1e-14, "state")
  opt:close()
  net:close()
end)

test("optimiser settings and errors", function()
  local net = example_c()
  local opt = backprop.Optimizer(net, "sgd", { momentum = 0.9 })
  assert(opt:kind() == "sgd")
  assert(opt:get("momentum") == 0.9 and opt:get("dampening") == 0)
  opt:set(backprop.hyperparameter.weight_decay, 0.5)
  assert(opt:get("weight_decay") == 0.5)
  raises(S.ERR_ARGUMENT, opt.set, opt, "beta1", 0.5)      -- not an SGD hyperparameter
  raises(S.ERR_ARGUMENT, opt.set, opt, "momentum", -1)    -- out of range
  raises(S.ERR_NOT_FINITE, opt.set, opt, "momentum", 0 / 0)
  assert(opt:get("momentum") == 0.9)
  assert(not pcall(opt.set, opt, "beta3", 0.5))
  raises(S.ERR_ARGUMENT, backprop.Optimizer, net, 99)
  assert(not pcall(backprop.Optimizer, net, "adagrad"))
  raises(S.ERR_ARGUMENT, backprop.Optimizer, net, "rprop", { eta_plus = 0.5 })
  local other = backprop.Network({ 2, 3, 2 }, "sigmoid")
  raises(S.ERR_COUNT, opt.step, opt, 0.1, other)
  other:close()
  local adamw = backprop.Optimizer(net, backprop.optimizer.adamw)
  assert(adamw:kind() == "adamw" and adamw:get("weight_decay") == 0.01)
  adamw:close()
  opt:close()
  net:close()
end)

test("optimiser state, reset and lifetime", function()
  local net = example_c()
  local opt = backprop.Optimizer(net, "adam")
  -- 2 (n_layers - 1) step counts, then m and v for the 10 parameters
  assert(opt:state_count() == 4 + 2 * 10)
  net:forward(X)
  net:backward(T)
  opt:step(0.01)
  local g = net:grads()
  for i = 1, #g do assert(g[i] == 0, "gradients are cleared") end
  local state = opt:state()
  -- the frozen shared biases keep step count 0
  assert(state[1] == 1 and state[2] == 0 and state[3] == 1 and state[4] == 0)
  local twin = net:clone()
  local other = backprop.Optimizer(twin, "adam")
  other:set_state(state)
  close_list(other:state(), state, 0, "state copied")
  local err = raises(S.ERR_COUNT, other.set_state, other, { 1, 2 })
  assert(err.detail == "expected 24 values, got 2", err.detail)
  for _, pair in ipairs({ { net, opt }, { twin, other } }) do
    pair[1]:forward(X)
    pair[1]:backward(T)
    pair[2]:step(0.01)
  end
  close_list(twin:params(), net:params(), 0, "continued run")
  opt:reset()
  for _, v in ipairs(opt:state()) do assert(v == 0, "reset clears the state") end
  -- the network may go first: the optimiser does not use its memory
  net:close()
  assert(opt:get("beta1") == 0.9)
  assert(not pcall(opt.step, opt, 0.01))
  opt:close()
  opt:close()
  assert(opt:closed())
  assert(not pcall(opt.state, opt))
  for i = 1, 500 do
    local o = backprop.Optimizer(twin, "rmsprop", { momentum = 0.5 })
    o:step(0.01)
  end
  collectgarbage()
  collectgarbage()
  other:close()
  twin:close()
end)

test("clip_grad_norm against PyTorch", function()
  local ref = read_reference()
  for c, rc in ipairs(ref.ref_clip_cases) do
    local n_layers, sizes, acts, loss, shared, max_norm, norm, frozen, n_params, params0, x, t,
          grads = unpack(rc)
    local net = backprop.Network(slice(sizes, 0, n_layers), slice(acts, 0, n_layers - 1))
    net:set_loss(loss)
    if shared ~= 0 then net:set_bias_mode(shared, "shared") end
    net:set_params(params0)
    assert(net:param_count() == n_params)
    for k = 1, n_layers - 1 do
      local bits = math.floor(frozen / 4 ^ (k - 1)) % 4
      net:set_frozen(k, bits % 2 == 1, bits >= 2)
    end
    local n_in, n_out = sizes[1], sizes[n_layers]
    for r = 0, ref.macros.REF_SAMPLES - 1 do
      net:forward(slice(x, r * n_in, n_in))
      net:backward(slice(t, r * n_out, n_out))
    end
    local what = "case " .. (c - 1)
    close_to_torch({ net:clip_grad_norm(max_norm) }, { norm }, what .. " norm")
    -- torch has no gradient for a frozen block: compare the others
    local at = 0
    for k = 1, n_layers - 1 do
      local fw, fb = net:get_frozen(k)
      local w, b = net:weight_grads(k), net:bias_grads(k)
      if not fw then close_to_torch(w, slice(grads, at, #w), what .. " weight grads") end
      if not fb then close_to_torch(b, slice(grads, at + #w, #b), what .. " bias grads") end
      at = at + #w + #b
    end
    assert(at == n_params)
    net:close()
  end
  local net = example_c()
  raises(S.ERR_ARGUMENT, net.clip_grad_norm, net, -1)
  net:close()
end)

test("close and garbage collection", function()
  local net = example_c()
  net:close()
  net:close()
  assert(net:closed())
  local ok, err = pcall(net.forward, net, X)
  assert(not ok and tostring(err):find("closed"), "use after close must fail")
  for i = 1, 2000 do
    local n = backprop.Network({ 4, 8, 2 }, "tanh")
    n:init_random(i, "he")
    n:train_sample({ 0.1, 0.2, 0.3, 0.4 }, { 1, -1 }, 0.01)
  end
  collectgarbage()
  collectgarbage()
end)

test("seeded initialisation follows numpy's stream", function()
  local net = backprop.Network({ 2, 2, 1 }, "sigmoid")
  net:init_random(0, "uniform", 0, 1)
  local draws = { 0.54881350392732475, 0.71518936637241948, 0.60276337607164387,
                  0.54488318299689686, 0.42365479933890471, 0.64589411306665612,
                  0.43758721126269251, 0.89177300078207977, 0.96366276050102928 }
  local p = net:params()
  for i = 1, 9 do assert(p[i] == draws[i], "draw " .. i) end
end)

-- Checkpoints: a small tanh/linear network trained on three samples, two
-- per step.
local CK_SAMPLES = { { { 0.5, -1.0 }, { 0.25, -0.5 } }, { { -0.3, 0.8 }, { 0.75, 0.1 } },
                     { { 1.2, 0.4 }, { -0.2, 0.6 } } }

local function ck_pair(kind, hyperparameters)
  local net = backprop.Network({ 2, 3, 2 }, { "tanh", "linear" })
  net:init_random(7, "xavier")
  return net, backprop.Optimizer(net, kind, hyperparameters)
end

local function ck_train(net, opt, steps, first)
  for step = first or 0, (first or 0) + steps - 1 do
    for _, i in ipairs({ step % 3 + 1, (step + 1) % 3 + 1 }) do
      net:forward(CK_SAMPLES[i][1])
      net:backward(CK_SAMPLES[i][2])
    end
    opt:step(0.05)
  end
end

-- Whether two tables of numbers hold the same bits (%a writes every bit).
local function same_bits(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if string.format("%a", a[i]) ~= string.format("%a", b[i]) then return false end
  end
  return true
end

local function ck_same(net, opt, other_net, other_opt)
  return same_bits(net:params(), other_net:params()) and same_bits(opt:state(), other_opt:state())
end

for _, case in ipairs({ { "adam", { weight_decay = 1e-3 }, "file" },
                        { "adam", { beta1 = 0.8 }, "string" },
                        { "sgd", { momentum = 0.9, nesterov = 1 }, "file" },
                        { "rprop", {}, "string" } }) do
  local kind, hps, through = case[1], case[2], case[3]
  test("checkpoint resume is exact: " .. kind .. " through a " .. through, function()
    local k = 4
    local full_net, full_opt = ck_pair(kind, hps)
    ck_train(full_net, full_opt, 2 * k)
    local net, opt = ck_pair(kind, hps)
    ck_train(net, opt, k)
    local net2, opt2
    if through == "file" then
      local path = os.tmpname()
      backprop.save_checkpoint(net, opt, path)
      net2, opt2 = backprop.load_checkpoint(path)
      os.remove(path)
    else
      net2, opt2 = backprop.checkpoint_from_string(opt:checkpoint_string())
    end
    assert(opt2.net == net2 and opt2:kind() == kind)
    assert(ck_same(net, opt, net2, opt2), "the loaded pair is the saved one")
    assert(not ck_same(net, opt, full_net, full_opt), "the comparison can fail")
    ck_train(net2, opt2, k, k)
    assert(ck_same(net2, opt2, full_net, full_opt), "k + k steps equal 2k steps")
  end)
end

test("checkpoint: forms agree, a model file gives no optimiser", function()
  local net, opt = ck_pair("rmsprop")
  ck_train(net, opt, 2)
  local text = opt:checkpoint_string()
  assert(text:find("^backprop%-model 2\n") and text:find("\nsection optimizer\nkind rmsprop\n"))
  assert(opt:checkpoint_string(net) == text)
  local path = os.tmpname()
  opt:save_checkpoint(path)
  local f = assert(io.open(path, "rb"))
  assert(f:read("*a") == text, "the file holds the string form")
  f:close()
  -- a plain model file: the network and nil
  local plain = text:sub(1, text:find("\nsection optimizer\n"))
  local net2, opt2 = backprop.checkpoint_from_string(plain)
  assert(opt2 == nil and same_bits(net2:params(), net:params()))
  f = assert(io.open(path, "wb"))
  f:write(plain)
  f:close()
  net2, opt2 = backprop.load_checkpoint(path)
  assert(opt2 == nil and same_bits(net2:params(), net:params()))
  os.remove(path)
end)

test("checkpoint: the loaded optimiser outlives the original", function()
  local net, opt = ck_pair("adamw")
  ck_train(net, opt, 3)
  local net2, opt2 = backprop.checkpoint_from_string(opt:checkpoint_string())
  ck_train(net, opt, 2, 3)
  local params, state = net:params(), opt:state()
  opt:close()
  net:close()
  collectgarbage()
  ck_train(net2, opt2, 2, 3)
  assert(same_bits(net2:params(), params) and same_bits(opt2:state(), state))
end)

test("checkpoint refusals carry the library's message", function()
  local net, opt = ck_pair("adam")
  local other = backprop.Network({ 2, 4, 2 }, { "tanh", "linear" })
  raises(S.ERR_COUNT, opt.checkpoint_string, opt, other)
  local path = os.tmpname()
  os.remove(path)
  raises(S.ERR_COUNT, backprop.save_checkpoint, other, opt, path)
  assert(io.open(path, "r") == nil, "nothing written")
  raises(S.ERR_IO, backprop.load_checkpoint, path)
  local text = opt:checkpoint_string()
  for _, broken in ipairs({ (text:gsub("kind adam", "kind adamax")),
                            (text:gsub("beta1 ", "beta1 -")) }) do
    local err = raises(S.ERR_FORMAT, backprop.checkpoint_from_string, broken)
    assert(err.func == "nn_load_checkpoint_buffer_with")
    assert(err.detail and err.detail:find("^line %d+: "), tostring(err.detail))
  end
  assert(not pcall(backprop.load_checkpoint, "bad\0name"))
  assert(not pcall(backprop.save_checkpoint, nil, opt, path))
  opt:close()
  assert(not pcall(backprop.save_checkpoint, net, opt, path))
end)

test("declarations match the C header", function()
  local f = io.open(here .. "/../../include/backprop.h", "r")
  if not f then
    print("        (skipped: the header is not beside the binding)")
    return
  end
  local function squeeze(s)
    return (s:gsub("/%*.-%*/", " "):gsub("%s+", " "):gsub("%( ", "("):gsub(" %)", ")"))
  end
  local header = squeeze(f:read("*a"))
  f:close()
  local n = 0
  for decl in backprop.declarations:gmatch("([^;]+);") do
    decl = squeeze(decl):gsub("^ ", "")
    if not decl:find("^typedef") then
      n = n + 1
      assert(header:find("BACKPROP_API " .. decl .. ";", 1, true),
             "not in the header: " .. decl)
    end
  end
  assert(n >= 40, "only " .. n .. " declarations")
end)

test("name tables match the library's lookups", function()
  local ffi = require("ffi")
  local C = backprop.load()
  local groups = {
    { backprop.activation, C.nn_activation_name, C.nn_activation_from_name, { custom = true } },
    { backprop.loss, C.nn_loss_name, C.nn_loss_from_name, {} },
    { backprop.bias_mode, C.nn_bias_mode_name, C.nn_bias_mode_from_name, {} },
    { backprop.optimizer, C.nn_optimizer_name, C.nn_optimizer_from_name, {} },
    { backprop.hyperparameter, C.nn_hyperparameter_name, C.nn_hyperparameter_from_name, {} },
    { backprop.scale, C.nn_scale_name, C.nn_scale_from_name, { ["min-max"] = true } },
  }
  for _, g in ipairs(groups) do
    local tbl, name_of, from_name, extra = g[1], g[2], g[3], g[4]
    local listed, n = {}, 0
    while name_of(n) ~= nil do
      local name = ffi.string(name_of(n))
      assert(tbl[name] == n, name .. " is " .. tostring(tbl[name]) .. " in the binding, " .. n .. " in the library")
      local code = ffi.new("int[1]", -1)
      assert(from_name(name, code) == S.OK and code[0] == n, name .. " does not round-trip")
      listed[name] = true
      n = n + 1
    end
    for name in pairs(tbl) do
      assert(listed[name] or extra[name], name .. " is in the binding but not in the library")
    end
  end
end)

print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1, true) -- true: close the state, running finalisers
