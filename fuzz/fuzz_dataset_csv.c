/* libFuzzer target for the library's CSV loader (lib/dataset_csv.c).

   The first byte picks the options: bits 0-1 the header rule, bits 2-4 the
   targets (none, the last 1, the last 2, columns 1 and 0, class column "0",
   class column "label"), bits 5-6 the delimiter (',', ';', tab). The rest
   is the CSV text. A loaded set must be well formed (fuzz_dataset.h); a
   refused input must leave no set and a short printable message. Build and
   run with fuzz/run.sh. */
#include "fuzz_dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_options(nn_csv_options_t *o, uint8_t pick)
{
    static const size_t columns[2] = {1, 0};
    static const char delimiters[4] = {',', ';', '\t', ','};
    check(nn_csv_options_set_header(o, (pick & 3) % 3) == NN_OK);
    switch ((pick >> 2) & 7) {
    case 1: check(nn_csv_options_set_target_count(o, 1) == NN_OK); break;
    case 2: check(nn_csv_options_set_target_count(o, 2) == NN_OK); break;
    case 3: check(nn_csv_options_set_target_columns(o, columns, 2) == NN_OK); break;
    case 4: check(nn_csv_options_set_class_column(o, "0") == NN_OK); break;
    case 5: check(nn_csv_options_set_class_column(o, "label") == NN_OK); break;
    default: break;
    }
    check(nn_csv_options_set_delimiter(o, delimiters[(pick >> 5) & 3]) == NN_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    nn_csv_options_t *o = NULL;
    check(nn_csv_options_create(&o) == NN_OK);
    set_options(o, data[0]);
    const char *text = (const char *)data + 1;
    const size_t n = size - 1;
    nn_dataset_t *d = UNTOUCHED;
    char message[160];
    const nn_status s = nn_dataset_load_csv_buffer(&d, text, n, o, message, sizeof message);
    nn_csv_options_free(o);
    if (s == NN_OK) {
        check(message[0] == '\0');
        check_set(d);
        nn_dataset_free(d);
        return 0;
    }
    check_refusal(s, d, message, sizeof message, line_count(text, n));
    return 0;
}
