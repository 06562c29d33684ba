/* The spelling rule shared by the tables of built-in choices (activations,
   losses, bias conventions): each entry has one name, the model file's word,
   and may have older aliases; a lookup also takes '-' for '_'. */
#ifndef BACKPROP_NAMES_H
#define BACKPROP_NAMES_H

#include <stddef.h>

/* The names of one table entry. */
struct nn_names {
    const char *name;           /* the one spelling written everywhere */
    const char *const *aliases; /* other accepted spellings, NULL-terminated; or NULL */
};

/* 1 if `given` spells `names`: its name or one of its aliases, where a '-'
   in `given` stands for '_'; else 0. */
int nn__names_match(const struct nn_names *names, const char *given);

/* The rule for the name of a custom activation (nn_set_custom_activation()):
   1 .. NN_MAX_NAME characters from [A-Za-z0-9_.-]; 1 if the n bytes at name
   follow it. */
int nn__valid_name(const char *name, size_t n);

#endif
