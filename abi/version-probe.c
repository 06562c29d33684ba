/* Prints the version as the header states it and as the library reports it at
 * run time, one value a line, for tools/check-version.sh:
 *   header MAJOR.MINOR.PATCH (from the three component macros)
 *   header BACKPROP_VERSION_STRING
 *   header BACKPROP_VERSION_NUMBER
 *   nn_version_string()
 *   nn_version_number() */
#include <stdio.h>

#include "backprop.h"

int main(void)
{
    printf("%d.%d.%d\n", BACKPROP_VERSION_MAJOR, BACKPROP_VERSION_MINOR, BACKPROP_VERSION_PATCH);
    printf("%s\n", BACKPROP_VERSION_STRING);
    printf("%lu\n", (unsigned long)BACKPROP_VERSION_NUMBER);
    printf("%s\n", nn_version_string());
    printf("%lu\n", nn_version_number());
    return 0;
}
