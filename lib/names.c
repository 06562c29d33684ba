/* Matching a name given by a caller against a table entry (names.h). */
#include "names.h"

#include <stddef.h>

static int same_word(const char *word, const char *given)
{
    for (; *word != '\0' && *given != '\0'; word++, given++) {
        const char c = *given == '-' ? '_' : *given;
        if (c != *word)
            return 0;
    }
    return *word == '\0' && *given == '\0';
}

int nn__names_match(const struct nn_names *names, const char *given)
{
    if (same_word(names->name, given))
        return 1;
    for (const char *const *alias = names->aliases; alias != NULL && *alias != NULL; alias++)
        if (same_word(*alias, given))
            return 1;
    return 0;
}
