/* libFuzzer target for the library's loader of FANN's training data format
   (lib/dataset_fann.c): the input is the text. A loaded set must be well
   formed (fuzz_dataset.h); a refused input must leave no set and a short
   printable message. Build and run with fuzz/run.sh. */
#include "fuzz_dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    nn_dataset_t *d = UNTOUCHED;
    char message[160];
    const nn_status s = nn_dataset_load_fann_buffer(&d, text, size, message, sizeof message);
    if (s == NN_OK) {
        check(message[0] == '\0');
        check_set(d);
        nn_dataset_free(d);
        return 0;
    }
    check_refusal(s, d, message, sizeof message, line_count(text, size));
    return 0;
}
