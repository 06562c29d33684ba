/* The spelling rules of names: matching a caller's name against a table
   entry, and the rule for the names of custom activations (names.h). */
#include "names.h"

#include "backprop.h"

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

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* The rule of nn_set_custom_activation(): 1 .. NN_MAX_NAME characters from
   [A-Za-z0-9_.-]. */
int nn__valid_name(const char *name, size_t n)
{
    if (n == 0 || n > NN_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(name[i]))
            return 0;
    return 1;
}
