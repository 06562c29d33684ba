/* A library that exports a function the header does not declare and lacks
 * all the ones it does: tools/check-symbols.sh must reject it (the test
 * 'symbols-detects-leak' expects the failure). */
#include "backprop.h"

BACKPROP_API int nn_not_in_the_header(void);

int nn_not_in_the_header(void)
{
    return 1;
}
