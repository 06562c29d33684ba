-- LuaJIT binding of libbackprop through the FFI (no compiled module).
--
--   local backprop = require("backprop")
--   local net = backprop.Network({2, 2, 1}, {"sigmoid", "linear"})
--   net:init_random(0, "xavier")
--   net:train_sample({0.5, -1.0}, {0.25}, 0.1)
--   print(net:forward({0.5, -1.0})[1])
--   net:close()           -- or leave it to the garbage collector
--
-- The library is loaded from backprop.load(path), else the environment
-- variable BACKPROP_LIBRARY, else "backprop" (libbackprop.so on the loader's
-- path), else the soname "libbackprop.so.0". Arrays go in and come out as
-- Lua tables indexed from 1; layers keep the C numbering (0 is the input
-- layer, parameters belong to the layer they lead into). A failing call
-- raises an error whose value is a table {status = code, message = text of
-- nn_strerror, func = C function name, detail = nil or more text}; tostring()
-- gives the message (and the detail in parentheses). A count error's detail
-- says the expected and the actual count. Integer arguments must be whole
-- numbers that fit their C type (else a string error; the FFI would truncate
-- and wrap them); a negative layer is out of range like any other.
-- backprop.is_diverged(err) tells a training call that diverged apart.
local ffi = require("ffi")

-- The declarations, copied from include/backprop.h (the tests compare them).
local declarations = [[
typedef struct nn nn_t;
typedef struct nn_rng nn_rng_t;
typedef int nn_status;

const char *nn_strerror(nn_status status);
const char *nn_version_string(void);
unsigned long nn_version_number(void);

nn_status nn_activation_from_name(const char *name, int *code);
const char *nn_activation_name(int code);
nn_status nn_loss_from_name(const char *name, int *code);
const char *nn_loss_name(int code);
nn_status nn_bias_mode_from_name(const char *name, int *mode);
const char *nn_bias_mode_name(int mode);

nn_status nn_create(nn_t **out, size_t n_layers, const size_t *sizes, const int *activations);
void nn_free(nn_t *net);
nn_status nn_clone(const nn_t *net, nn_t **out);

size_t nn_layer_count(const nn_t *net);
size_t nn_layer_size(const nn_t *net, size_t layer);
size_t nn_input_count(const nn_t *net);
size_t nn_output_count(const nn_t *net);
size_t nn_weight_count(const nn_t *net, size_t layer);
size_t nn_bias_count(const nn_t *net, size_t layer);

nn_status nn_set_weights(nn_t *net, size_t layer, const double *w, size_t count);
nn_status nn_get_weights(const nn_t *net, size_t layer, double *w, size_t count);
nn_status nn_set_biases(nn_t *net, size_t layer, const double *b, size_t count);
nn_status nn_get_biases(const nn_t *net, size_t layer, double *b, size_t count);

nn_status nn_set_activation(nn_t *net, size_t layer, int activation);
int nn_get_activation(const nn_t *net, size_t layer);
const char *nn_get_activation_name(const nn_t *net, size_t layer);
nn_status nn_set_bias_mode(nn_t *net, size_t layer, int mode);
int nn_get_bias_mode(const nn_t *net, size_t layer);
nn_status nn_set_frozen(nn_t *net, size_t layer, int freeze_weights, int freeze_biases);
nn_status nn_get_frozen(const nn_t *net, size_t layer, int *freeze_weights, int *freeze_biases);
nn_status nn_set_loss(nn_t *net, int loss);
int nn_get_loss(const nn_t *net);
nn_status nn_set_reduction(nn_t *net, int reduction);
int nn_get_reduction(const nn_t *net);

nn_status nn_forward(nn_t *net, const double *input, double *output);
nn_status nn_loss(const nn_t *net, const double *target, double *loss);
nn_status nn_backward(nn_t *net, const double *target);
nn_status nn_step(nn_t *net, double learning_rate);
nn_status nn_train_sequential(nn_t *net, const double *input, const double *target,
                              double learning_rate);
nn_status nn_train_sample(nn_t *net, const double *input, const double *target,
                          double learning_rate);
nn_status nn_get_weight_grads(const nn_t *net, size_t layer, double *g, size_t count);
nn_status nn_get_bias_grads(const nn_t *net, size_t layer, double *g, size_t count);
nn_status nn_zero_grads(nn_t *net);

nn_status nn_get_net_inputs(const nn_t *net, size_t layer, double *z, size_t count);
nn_status nn_get_outputs(const nn_t *net, size_t layer, double *a, size_t count);
nn_status nn_get_deltas(const nn_t *net, size_t layer, double *delta, size_t count);

size_t nn_param_count(const nn_t *net);
nn_status nn_get_params(const nn_t *net, double *params, size_t count);
nn_status nn_set_params(nn_t *net, const double *params, size_t count);
nn_status nn_get_grads(const nn_t *net, double *grads, size_t count);
nn_status nn_set_grads(nn_t *net, const double *grads, size_t count);

nn_status nn_init_random(nn_t *net, unsigned long seed, int scheme, double lo, double hi);

typedef struct nn_optimizer nn_optimizer_t;
nn_status nn_optimizer_create(nn_optimizer_t **out, const nn_t *net, int kind);
void nn_optimizer_free(nn_optimizer_t *opt);
nn_status nn_optimizer_set(nn_optimizer_t *opt, int hyperparameter, double value);
nn_status nn_optimizer_get(const nn_optimizer_t *opt, int hyperparameter, double *value);
nn_status nn_optimizer_reset(nn_optimizer_t *opt);
nn_status nn_optimizer_step(nn_optimizer_t *opt, nn_t *net, double learning_rate);
nn_status nn_optimizer_get_kind(const nn_optimizer_t *opt, int *kind);
const char *nn_optimizer_name(int kind);
nn_status nn_optimizer_from_name(const char *name, int *kind);
const char *nn_hyperparameter_name(int code);
nn_status nn_hyperparameter_from_name(const char *name, int *code);
nn_status nn_optimizer_state_count(const nn_optimizer_t *opt, size_t *count);
nn_status nn_optimizer_get_state(const nn_optimizer_t *opt, double *state, size_t count);
nn_status nn_optimizer_set_state(nn_optimizer_t *opt, const double *state, size_t count);
nn_status nn_clip_grad_norm(nn_t *net, double max_norm, double *norm_before);

typedef struct nn_load_options nn_load_options_t;
nn_status nn_save_checkpoint(const nn_t *net, const nn_optimizer_t *opt, const char *path);
nn_status nn_save_checkpoint_buffer(const nn_t *net, const nn_optimizer_t *opt, char *buf,
                                    size_t size, size_t *length);
nn_status nn_load_checkpoint_with(nn_t **net, nn_optimizer_t **opt, const char *path,
                                  const nn_load_options_t *options, char *message,
                                  size_t message_size);
nn_status nn_load_checkpoint_buffer_with(nn_t **net, nn_optimizer_t **opt, const char *data,
                                         size_t size, const nn_load_options_t *options,
                                         char *message, size_t message_size);

nn_status nn_scale_from_name(const char *name, int *scheme);
const char *nn_scale_name(int scheme);
nn_status nn_fit_input_scaling(nn_t *net, int scheme, size_t n_rows, const double *inputs);
nn_status nn_fit_target_scaling(nn_t *net, int scheme, size_t n_rows, const double *targets);
nn_status nn_set_input_scaling(nn_t *net, const double *offset, const double *scale,
                               size_t count);
nn_status nn_get_input_scaling(const nn_t *net, double *offset, double *scale, size_t count);
nn_status nn_set_target_scaling(nn_t *net, const double *offset, const double *scale,
                                size_t count);
nn_status nn_get_target_scaling(const nn_t *net, double *offset, double *scale, size_t count);
int nn_has_input_scaling(const nn_t *net);
int nn_has_target_scaling(const nn_t *net);
nn_status nn_scale_inputs(const nn_t *net, size_t n, const double *inputs, double *scaled);
nn_status nn_scale_targets(const nn_t *net, size_t n, const double *targets, double *scaled);
nn_status nn_unscale_outputs(const nn_t *net, size_t n, const double *outputs, double *raw);
nn_status nn_set_class_names(nn_t *net, size_t n, const char *const *names);
size_t nn_class_count(const nn_t *net);
const char *nn_class_name(const nn_t *net, size_t k);
]]
ffi.cdef(declarations)

local M = {}
M.declarations = declarations

M.status = {
  OK = 0, ERR_NULL_ARG = 1, ERR_NO_MEMORY = 2, ERR_LAYER_COUNT = 3, ERR_ZERO_SIZE = 4,
  ERR_TOO_LARGE = 5, ERR_ACTIVATION = 6, ERR_LAYER_RANGE = 7, ERR_COUNT = 8,
  ERR_NOT_FINITE = 9, ERR_NO_FORWARD = 10, ERR_STALE_FORWARD = 11, ERR_NO_BACKWARD = 12,
  ERR_LOSS = 13, ERR_BIAS_MODE = 14, ERR_NAME = 15, ERR_ARGUMENT = 16, ERR_IO = 17,
  ERR_FORMAT = 18, ERR_UNKNOWN_NAME = 19, ERR_PARAMS_NOT_FINITE = 20, ERR_BUFFER_SIZE = 21,
  ERR_BATCH_SIZE = 22, ERR_NO_BATCH = 23, ERR_DIVERGED = 24, ERR_LOSS_OUTPUT = 25,
}
M.activation = { linear = 0, sigmoid = 1, tanh = 2, relu = 3, leaky_relu = 4, softplus = 5,
                 softmax = 6, custom = 100 }
M.loss = { half_sse = 0, mse = 1, cross_entropy = 2, binary_cross_entropy = 3 }
M.reduction = { sum = 0, mean = 1 }
M.scale = { none = 0, standard = 1, minmax = 2, ["min-max"] = 2 }
M.bias_mode = { per_neuron = 0, shared = 1 }
M.init = { uniform = 0, xavier = 1, he = 2 }
M.optimizer = { sgd = 0, adam = 1, adamw = 2, rmsprop = 3, rprop = 4 }
M.hyperparameter = { momentum = 0, dampening = 1, nesterov = 2, weight_decay = 3, beta1 = 4,
                     beta2 = 5, epsilon = 6, alpha = 7, eta_minus = 8, eta_plus = 9,
                     step_min = 10, step_max = 11 }

local lib -- the loaded clib, set by M.load()

-- Loads the shared library (once); returns the FFI clib namespace.
function M.load(path)
  if lib and not path then return lib end
  -- The C string would end at a NUL byte and name another file.
  if type(path) == "string" and path:find("\0", 1, true) then
    error("embedded NUL byte in the library path", 2)
  end
  local names = {}
  if path then
    names = { path }
  elseif os.getenv("BACKPROP_LIBRARY") and os.getenv("BACKPROP_LIBRARY") ~= "" then
    names = { os.getenv("BACKPROP_LIBRARY") }
  else
    names = { "backprop", "libbackprop.so.0" }
  end
  local failures = {}
  for _, name in ipairs(names) do
    local ok, clib = pcall(ffi.load, name)
    if ok then
      lib = clib
      return lib
    end
    failures[#failures + 1] = tostring(clib)
  end
  error("cannot load libbackprop (set BACKPROP_LIBRARY to its path): "
        .. table.concat(failures, "; "), 2)
end

local function L()
  return lib or M.load()
end

local Error = {}
Error.__index = Error

Error.__tostring = function(e)
  if e.detail then return e.message .. " (" .. e.detail .. ")" end
  return e.message
end

-- The error of a training call that diverged (ERR_DIVERGED): a library
-- error too, told apart by backprop.is_diverged().
local Diverged = { __index = Error, __tostring = Error.__tostring }

-- Builds (does not raise) the error value for a status.
function M.error(status, func, detail)
  local kind = status == M.status.ERR_DIVERGED and Diverged or Error
  return setmetatable({ status = status, message = M.strerror(status), func = func,
                        detail = detail }, kind)
end

function M.is_error(value)
  local kind = getmetatable(value)
  return kind == Error or kind == Diverged
end

-- Whether an error says that training diverged (a lower learning rate helps).
function M.is_diverged(value)
  return getmetatable(value) == Diverged
end

function M.strerror(status)
  return ffi.string(L().nn_strerror(status))
end

function M.version()
  return ffi.string(L().nn_version_string())
end

-- counts, if given, returns the detail of an ERR_COUNT (expected and actual).
local function check(status, func, counts)
  if status ~= 0 then
    local detail = (status == M.status.ERR_COUNT and counts) and counts() or nil
    error(M.error(status, func, detail), 3)
  end
end

-- Lua numbers are doubles, and the FFI turns one into a C integer by
-- truncating and wrapping (2^64 + 4096 became 4096, 1.9 became 1): every
-- integer argument is checked against its C type here first.
local function bits_of(ctype) return 8 * ffi.sizeof(ctype) end
local SIZE_LIMIT = 2 ^ bits_of("size_t")          -- the first value that does not fit
local ULONG_LIMIT = 2 ^ bits_of("unsigned long")
local INT_MAX = 2 ^ (bits_of("int") - 1) - 1
local NO_LAYER = ffi.new("size_t", 0) - 1        -- out of range for every network

-- level: as for error(), counted from the checking function (1 is itself).
local function whole(value, what, level)
  if type(value) == "cdata" then value = tonumber(value) end -- e.g. 1ULL
  if type(value) ~= "number" then
    error(what .. " must be an integer, got " .. type(value), level)
  end
  if value ~= value or value ~= math.floor(value) or value == math.huge or value == -math.huge then
    error(what .. " must be an integer, got " .. tostring(value), level)
  end
  return value
end

local function unsigned(value, what, limit, ctype, level)
  value = whole(value, what, level + 1)
  if value < 0 then
    error(string.format("%s must not be negative, got %.17g", what, value), level)
  end
  if value >= limit then
    error(string.format("%s %.17g does not fit a C %s", what, value, ctype), level)
  end
  return value
end

-- (Both blame the caller of the method that calls them.)
local function size_arg(value, what)
  return unsigned(value, what, SIZE_LIMIT, "size_t", 4)
end

-- A layer index; a negative one goes to the library as one past every
-- network's last layer, so that it is out of range as it always was.
local function layer_arg(layer)
  layer = whole(layer, "layer", 4)
  if layer < 0 then return NO_LAYER end
  return unsigned(layer, "layer", SIZE_LIMIT, "size_t", 4)
end

local function code_of(group, value, what)
  if type(value) == "string" then
    local c = group[value]
    if c == nil then error("unknown " .. what .. " name '" .. value .. "'", 3) end
    return c
  end
  value = whole(value, what .. " code", 4)
  if value < -INT_MAX - 1 or value > INT_MAX then
    error(string.format("%s code %.17g does not fit a C int", what, value), 3)
  end
  return value
end

local function plural(n, one, many)
  return string.format("%d %s", n, n == 1 and one or many)
end

-- A Lua table of numbers (rows may be nested tables) as a double[].
local function to_doubles(values)
  if type(values) ~= "table" then
    error("expected a table of numbers, got " .. type(values), 3)
  end
  local flat = {}
  local function walk(t)
    for i = 1, #t do
      local v = t[i]
      if type(v) == "table" then
        walk(v)
      elseif type(v) == "number" then
        flat[#flat + 1] = v
      else
        error("expected numbers, got " .. type(v), 4)
      end
    end
  end
  walk(values)
  local n = #flat
  local buf = ffi.new("double[?]", n > 0 and n or 1)
  for i = 1, n do buf[i - 1] = flat[i] end
  return buf, n
end

local function from_doubles(buf, n)
  local t = {}
  for i = 1, n do t[i] = buf[i - 1] end
  return t
end

-- Gives class the methods of an object that owns one C handle in self.h,
-- released by the C function free_name: handle() (an error once closed),
-- close() (releases it now and removes the finaliser; safe to call twice)
-- and closed().
local function owns_handle(class, name, free_name)
  function class:handle()
    if self.h == nil then error("operation on a closed " .. name, 3) end
    return self.h
  end

  function class:close()
    local h = self.h
    if h ~= nil then
      self.h = nil
      ffi.gc(h, nil)
      L()[free_name](h)
    end
  end

  function class:closed()
    return self.h == nil
  end
end

local Network = {}
Network.__index = Network
M.Network = Network

local function adopt(handle)
  return setmetatable({ h = ffi.gc(handle, L().nn_free) }, Network)
end

-- Network(sizes, activations): activations holds one name or code per layer
-- after the inputs, or a single name or code for all of them.
function Network.new(sizes, activations)
  local C = L()
  local n = #sizes
  if type(activations) ~= "table" then
    local one = activations
    activations = {}
    for i = 1, n - 1 do activations[i] = one end
  end
  if n >= 2 and #activations ~= n - 1 then
    error(M.error(M.status.ERR_COUNT, "nn_create", string.format(
      "expected %s (one per layer after the inputs), got %d",
      plural(n - 1, "activation", "activations"), #activations)), 2)
  end
  local c_sizes = ffi.new("size_t[?]", math.max(n, 1))
  for i = 1, n do
    c_sizes[i - 1] = size_arg(sizes[i], "a layer size")
  end
  local c_acts = ffi.new("int[?]", math.max(#activations, 1))
  for i = 1, #activations do
    c_acts[i - 1] = code_of(M.activation, activations[i], "activation")
  end
  local out = ffi.new("nn_t *[1]")
  check(C.nn_create(out, n, c_sizes, c_acts), "nn_create")
  return adopt(out[0])
end

setmetatable(Network, { __call = function(_, ...) return Network.new(...) end })

owns_handle(Network, "Network", "nn_free")

function Network:clone()
  local out = ffi.new("nn_t *[1]")
  check(L().nn_clone(self:handle(), out), "nn_clone")
  return adopt(out[0])
end

function Network:layer_count() return tonumber(L().nn_layer_count(self:handle())) end
function Network:input_count() return tonumber(L().nn_input_count(self:handle())) end
function Network:output_count() return tonumber(L().nn_output_count(self:handle())) end
function Network:param_count() return tonumber(L().nn_param_count(self:handle())) end
function Network:layer_size(layer)
  return tonumber(L().nn_layer_size(self:handle(), layer_arg(layer)))
end

local function weights_wanted(C, h, layer, n)
  local rows, cols = tonumber(C.nn_layer_size(h, layer)), tonumber(C.nn_layer_size(h, layer - 1))
  return string.format("expected %s for layer %d (%dx%d), got %d",
                       plural(rows * cols, "weight", "weights"), layer, rows, cols, n)
end

local function biases_wanted(C, h, layer, n)
  local shared = C.nn_get_bias_mode(h, layer) == M.bias_mode.shared
  return string.format("expected %s for layer %d%s, got %d",
                       plural(tonumber(C.nn_bias_count(h, layer)), "bias", "biases"), layer,
                       shared and " (shared)" or "", n)
end

local function setter(cname, wanted)
  return function(self, layer, values)
    local C, h = L(), self:handle()
    layer = layer_arg(layer)
    local buf, n = to_doubles(values)
    check(C[cname](h, layer, buf, n), cname, function() return wanted(C, h, layer, n) end)
  end
end

local function getter(cname, count_of)
  return function(self, layer)
    local h = self:handle()
    layer = layer_arg(layer)
    local n = tonumber(count_of(L(), h, layer))
    local buf = ffi.new("double[?]", n > 0 and n or 1)
    check(L()[cname](h, layer, buf, n), cname)
    return from_doubles(buf, n)
  end
end

local function weight_count(C, h, layer) return C.nn_weight_count(h, layer) end
local function bias_count(C, h, layer) return C.nn_bias_count(h, layer) end
local function layer_size(C, h, layer) return C.nn_layer_size(h, layer) end

Network.set_weights = setter("nn_set_weights", weights_wanted)
Network.set_biases = setter("nn_set_biases", biases_wanted)
Network.get_weights = getter("nn_get_weights", weight_count)
Network.get_biases = getter("nn_get_biases", bias_count)
Network.weight_grads = getter("nn_get_weight_grads", weight_count)
Network.bias_grads = getter("nn_get_bias_grads", bias_count)
Network.net_inputs = getter("nn_get_net_inputs", layer_size)
Network.outputs = getter("nn_get_outputs", layer_size)
Network.deltas = getter("nn_get_deltas", layer_size)

local function flat_getter(cname)
  return function(self)
    local h = self:handle()
    local n = tonumber(L().nn_param_count(h))
    local buf = ffi.new("double[?]", n)
    check(L()[cname](h, buf, n), cname)
    return from_doubles(buf, n)
  end
end

local function flat_setter(cname, one, many)
  return function(self, values)
    local C, h = L(), self:handle()
    local buf, n = to_doubles(values)
    check(C[cname](h, buf, n), cname, function()
      local wanted = tonumber(C.nn_param_count(h))
      return string.format("expected %s, got %d", plural(wanted, one, many), n)
    end)
  end
end

Network.params = flat_getter("nn_get_params")
Network.grads = flat_getter("nn_get_grads")
Network.set_params = flat_setter("nn_set_params", "parameter", "parameters")
Network.set_grads = flat_setter("nn_set_grads", "gradient", "gradients")

function Network:set_activation(layer, act)
  check(L().nn_set_activation(self:handle(), layer_arg(layer),
                              code_of(M.activation, act, "activation")), "nn_set_activation")
end

function Network:get_activation_name(layer)
  local s = L().nn_get_activation_name(self:handle(), layer_arg(layer))
  if s == nil then check(M.status.ERR_LAYER_RANGE, "nn_get_activation_name") end
  return ffi.string(s)
end

function Network:set_bias_mode(layer, mode)
  check(L().nn_set_bias_mode(self:handle(), layer_arg(layer),
                             code_of(M.bias_mode, mode, "bias mode")), "nn_set_bias_mode")
end

function Network:get_bias_mode(layer)
  return L().nn_get_bias_mode(self:handle(), layer_arg(layer))
end

function Network:set_frozen(layer, weights, biases)
  check(L().nn_set_frozen(self:handle(), layer_arg(layer), weights and 1 or 0, biases and 1 or 0),
        "nn_set_frozen")
end

function Network:get_frozen(layer)
  local w, b = ffi.new("int[1]"), ffi.new("int[1]")
  check(L().nn_get_frozen(self:handle(), layer_arg(layer), w, b), "nn_get_frozen")
  return w[0] ~= 0, b[0] ~= 0
end

function Network:set_loss(loss)
  check(L().nn_set_loss(self:handle(), code_of(M.loss, loss, "loss")), "nn_set_loss")
end

function Network:get_loss()
  return L().nn_get_loss(self:handle())
end

-- What a batch backward pass adds: "sum" (the default) or "mean", or a code.
function Network:set_reduction(reduction)
  check(L().nn_set_reduction(self:handle(), code_of(M.reduction, reduction, "reduction")),
        "nn_set_reduction")
end

function Network:get_reduction()
  return L().nn_get_reduction(self:handle())
end

-- seed: a whole number that fits a C unsigned long; its low 32 bits are used.
function Network:init_random(seed, scheme, lo, hi)
  seed = unsigned(seed, "seed", ULONG_LIMIT, "unsigned long", 3)
  check(L().nn_init_random(self:handle(), seed, code_of(M.init, scheme or "uniform", "scheme"),
                           lo or 0.0, hi or 1.0), "nn_init_random")
end

-- The C calls without a count read a whole layer: check the length here and
-- report it as the library reports a wrong count.
local function sample(values, expected, cname, what)
  local buf, n = to_doubles(values)
  if n ~= expected then
    error(M.error(M.status.ERR_COUNT, cname,
                  string.format("expected %d %s, got %d", expected, what, n)), 3)
  end
  return buf
end

function Network:forward(input)
  local C, h = L(), self:handle()
  local x = sample(input, tonumber(C.nn_input_count(h)), "nn_forward", "inputs")
  local m = tonumber(C.nn_output_count(h))
  local y = ffi.new("double[?]", m)
  check(C.nn_forward(h, x, y), "nn_forward")
  return from_doubles(y, m)
end

function Network:loss(target)
  local C, h = L(), self:handle()
  local t = sample(target, tonumber(C.nn_output_count(h)), "nn_loss", "targets")
  local e = ffi.new("double[1]")
  check(C.nn_loss(h, t, e), "nn_loss")
  return e[0]
end

function Network:backward(target)
  local C, h = L(), self:handle()
  check(C.nn_backward(h, sample(target, tonumber(C.nn_output_count(h)), "nn_backward", "targets")),
        "nn_backward")
end

function Network:step(rate)
  check(L().nn_step(self:handle(), rate), "nn_step")
end

local function trainer(cname)
  return function(self, input, target, rate)
    local C, h = L(), self:handle()
    local x = sample(input, tonumber(C.nn_input_count(h)), cname, "inputs")
    local t = sample(target, tonumber(C.nn_output_count(h)), cname, "targets")
    check(C[cname](h, x, t, rate), cname)
  end
end

Network.train_sequential = trainer("nn_train_sequential")
Network.train_sample = trainer("nn_train_sample")

function Network:zero_grads()
  check(L().nn_zero_grads(self:handle()), "nn_zero_grads")
end

-- Clips the accumulated gradients by their global norm (PyTorch's
-- clip_grad_norm_); returns the norm before clipping.
function Network:clip_grad_norm(max_norm)
  local norm = ffi.new("double[1]")
  check(L().nn_clip_grad_norm(self:handle(), max_norm, norm), "nn_clip_grad_norm")
  return norm[0]
end

-- Scaling stored in the network: x' = (x - offset) / scale per input (per
-- output for the targets). Every forward pass scales its raw inputs;
-- training calls take targets in the network's units (net:scale_targets());
-- net:predict() gives raw outputs.
local function input_count(C, h) return tonumber(C.nn_input_count(h)) end
local function output_count(C, h) return tonumber(C.nn_output_count(h)) end

-- Whole rows of width values: the buffer and the row count.
local function rows_of(values, width, cname)
  local buf, n = to_doubles(values)
  if n % width ~= 0 then
    error(M.error(M.status.ERR_COUNT, cname,
                  string.format("expected whole rows of %d values, got %d", width, n)), 3)
  end
  return buf, n / width
end

-- net:fit_input_scaling("standard" | "minmax" | "none", rows) and the same for targets.
local function scaling_fitter(cname, count_of)
  return function(self, scheme, rows)
    local C, h = L(), self:handle()
    local code = code_of(M.scale, scheme, "scaling scheme")
    if code == M.scale.none then
      check(C[cname](h, code, 0, nil), cname)
      return
    end
    local buf, n = rows_of(rows, count_of(C, h), cname)
    check(C[cname](h, code, n, buf), cname)
  end
end
Network.fit_input_scaling = scaling_fitter("nn_fit_input_scaling", input_count)
Network.fit_target_scaling = scaling_fitter("nn_fit_target_scaling", output_count)

local function scaling_setter(cname)
  return function(self, offset, scale)
    local o, n_o = to_doubles(offset)
    local s, n_s = to_doubles(scale)
    if n_o ~= n_s then
      error(M.error(M.status.ERR_COUNT, cname, plural(n_o, "offset", "offsets") .. " and " ..
                    plural(n_s, "scale", "scales")), 2)
    end
    check(L()[cname](self:handle(), o, s, n_o), cname)
  end
end
Network.set_input_scaling = scaling_setter("nn_set_input_scaling")
Network.set_target_scaling = scaling_setter("nn_set_target_scaling")

-- net:input_scaling(): offsets, scales (tables), or nil without one.
local function scaling_getter(has, cname, count_of)
  return function(self)
    local C, h = L(), self:handle()
    if C[has](h) == 0 then return nil end
    local n = count_of(C, h)
    local o, s = ffi.new("double[?]", n), ffi.new("double[?]", n)
    check(C[cname](h, o, s, n), cname)
    return from_doubles(o, n), from_doubles(s, n)
  end
end
Network.input_scaling = scaling_getter("nn_has_input_scaling", "nn_get_input_scaling",
                                       input_count)
Network.target_scaling = scaling_getter("nn_has_target_scaling", "nn_get_target_scaling",
                                        output_count)

-- net:scale_inputs(rows), net:scale_targets(rows), net:unscale_outputs(rows):
-- the values of whole rows converted, as one flat table.
local function converter(cname, count_of)
  return function(self, rows)
    local C, h = L(), self:handle()
    local width = count_of(C, h)
    local buf, n = rows_of(rows, width, cname)
    local out = ffi.new("double[?]", n * width > 0 and n * width or 1)
    check(C[cname](h, n, buf, out), cname)
    return from_doubles(out, n * width)
  end
end
Network.scale_inputs = converter("nn_scale_inputs", input_count)
Network.scale_targets = converter("nn_scale_targets", output_count)
Network.unscale_outputs = converter("nn_unscale_outputs", output_count)

-- net:set_class_names({...}): one name per output (two for one output); {} removes them.
function Network:set_class_names(names)
  local n = #names
  local array = ffi.new("const char *[?]", n > 0 and n or 1)
  for i = 1, n do array[i - 1] = names[i] end
  check(L().nn_set_class_names(self:handle(), n, n > 0 and array or nil), "nn_set_class_names")
end

-- net:class_names(): a table of strings, empty when there are none.
function Network:class_names()
  local C, h = L(), self:handle()
  local t = {}
  for k = 1, tonumber(C.nn_class_count(h)) do t[k] = ffi.string(C.nn_class_name(h, k - 1)) end
  return t
end

-- Optimizer(net, kind, hyperparameters): an optimiser with state for net's
-- parameter layout. kind is a name of backprop.optimizer ("sgd", "adam",
-- "adamw", "rmsprop", "rprop") or a code; hyperparameters, if given, a table
-- such as { beta1 = 0.8 } (names of backprop.hyperparameter). The optimiser
-- keeps net, the network opt:step() updates unless given another one of the
-- same parameter layout; the C optimiser does not use the network's memory,
-- so the two may be released in any order. Its handle is released by
-- opt:close() or by the garbage collector.
local Optimizer = {}
Optimizer.__index = Optimizer
M.Optimizer = Optimizer

local function adopt_optimizer(handle, net)
  return setmetatable({ h = ffi.gc(handle, L().nn_optimizer_free), net = net }, Optimizer)
end

function Optimizer.new(net, kind, hyperparameters)
  local C = L()
  local out = ffi.new("nn_optimizer_t *[1]")
  check(C.nn_optimizer_create(out, net:handle(), code_of(M.optimizer, kind, "optimizer kind")),
        "nn_optimizer_create")
  local self = adopt_optimizer(out[0], net)
  for name, value in pairs(hyperparameters or {}) do
    local ok, err = pcall(self.set, self, name, value)
    if not ok then
      self:close()
      error(err, 2)
    end
  end
  return self
end

setmetatable(Optimizer, { __call = function(_, ...) return Optimizer.new(...) end })

owns_handle(Optimizer, "Optimizer", "nn_optimizer_free")

-- The kind's name, e.g. "adam".
function Optimizer:kind()
  local kind = ffi.new("int[1]")
  check(L().nn_optimizer_get_kind(self:handle(), kind), "nn_optimizer_get_kind")
  return ffi.string(L().nn_optimizer_name(kind[0]))
end

function Optimizer:set(hyperparameter, value)
  check(L().nn_optimizer_set(self:handle(),
                             code_of(M.hyperparameter, hyperparameter, "hyperparameter"), value),
        "nn_optimizer_set")
end

function Optimizer:get(hyperparameter)
  local value = ffi.new("double[1]")
  check(L().nn_optimizer_get(self:handle(),
                             code_of(M.hyperparameter, hyperparameter, "hyperparameter"), value),
        "nn_optimizer_get")
  return value[0]
end

-- Forgets all state, as just after creation; the hyperparameters stay.
function Optimizer:reset()
  check(L().nn_optimizer_reset(self:handle()), "nn_optimizer_reset")
end

-- One update from the accumulated gradients of net (default: the network
-- the optimiser was made with), which are then cleared.
function Optimizer:step(rate, net)
  local h = self:handle()
  check(L().nn_optimizer_step(h, (net or self.net):handle(), rate), "nn_optimizer_step")
end

function Optimizer:state_count()
  local n = ffi.new("size_t[1]")
  check(L().nn_optimizer_state_count(self:handle(), n), "nn_optimizer_state_count")
  return tonumber(n[0])
end

-- The state as a flat table: every block's step count, then the kind's
-- per-parameter values (docs/optimizers.md has the layout).
function Optimizer:state()
  local n = self:state_count()
  local buf = ffi.new("double[?]", n > 0 and n or 1)
  check(L().nn_optimizer_get_state(self:handle(), buf, n), "nn_optimizer_get_state")
  return from_doubles(buf, n)
end

function Optimizer:set_state(values)
  local h = self:handle()
  local buf, n = to_doubles(values)
  check(L().nn_optimizer_set_state(h, buf, n), "nn_optimizer_set_state", function()
    return string.format("expected %s, got %d", plural(self:state_count(), "value", "values"), n)
  end)
end

-- Checkpoints (docs/optimizers.md, "Checkpoints"): a network and its
-- optimiser in one model file, from which training resumes bit for bit.

-- A file name must not hold a NUL byte: the C string would end there and
-- name another file.
local function path_arg(path, level)
  if type(path) ~= "string" then error("a path must be a string", level + 1) end
  if path:find("\0", 1, true) then error("embedded NUL byte in the path", level + 1) end
  return path
end

-- Saves net (default: the optimiser's own) and the optimiser to path,
-- replacing the file safely as nn_save() does.
function Optimizer:save_checkpoint(path, net)
  local h = self:handle()
  check(L().nn_save_checkpoint((net or self.net):handle(), h, path_arg(path, 2)),
        "nn_save_checkpoint")
end

-- The checkpoint text of net (default: the optimiser's own) and the
-- optimiser, as a Lua string.
function Optimizer:checkpoint_string(net)
  local C, h = L(), self:handle()
  local n = (net or self.net):handle()
  local length = ffi.new("size_t[1]")
  local status = C.nn_save_checkpoint_buffer(n, h, nil, 0, length)
  if status ~= M.status.ERR_BUFFER_SIZE then check(status, "nn_save_checkpoint_buffer") end
  local size = length[0] + 1
  local buf = ffi.new("char[?]", size)
  check(C.nn_save_checkpoint_buffer(n, h, buf, size, length), "nn_save_checkpoint_buffer")
  return ffi.string(buf, length[0])
end

-- save_checkpoint(net, opt, path): opt:save_checkpoint(path, net), with the
-- network given explicitly.
function M.save_checkpoint(net, opt, path)
  if net == nil then error("save_checkpoint needs a Network", 2) end
  opt:save_checkpoint(path, net)
end

-- The pair of a load: the network and its optimiser, or nil for a file
-- without one; a refusal's detail names the line.
local function loaded(status, func, net_out, opt_out, message)
  if status ~= 0 then
    local detail = ffi.string(message)
    error(M.error(status, func, detail ~= "" and detail or nil), 3)
  end
  local net = adopt(net_out[0])
  if opt_out[0] == nil then return net, nil end
  return net, adopt_optimizer(opt_out[0], net)
end

local MESSAGE_SIZE = 256

-- Loads a checkpoint or any model file (built-in activations only): returns
-- the network and its optimiser, or the network and nil for a file without one.
function M.load_checkpoint(path)
  local net_out, opt_out = ffi.new("nn_t *[1]"), ffi.new("nn_optimizer_t *[1]")
  local message = ffi.new("char[?]", MESSAGE_SIZE)
  local status = L().nn_load_checkpoint_with(net_out, opt_out, path_arg(path, 2), nil,
                                             message, MESSAGE_SIZE)
  return loaded(status, "nn_load_checkpoint_with", net_out, opt_out, message)
end

-- load_checkpoint() from the text of a Lua string.
function M.checkpoint_from_string(text)
  if type(text) ~= "string" then error("a checkpoint text must be a string", 2) end
  local net_out, opt_out = ffi.new("nn_t *[1]"), ffi.new("nn_optimizer_t *[1]")
  local message = ffi.new("char[?]", MESSAGE_SIZE)
  local status = L().nn_load_checkpoint_buffer_with(net_out, opt_out, text, #text, nil,
                                                    message, MESSAGE_SIZE)
  return loaded(status, "nn_load_checkpoint_buffer_with", net_out, opt_out, message)
end

return M
