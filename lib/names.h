/* The spelling rule shared by the tables of built-in choices (activations,
   losses, bias conventions): each entry has one name, the model file's word,
   and may have older aliases; a lookup also takes '-' for '_'. */
#ifndef BACKPROP_NAMES_H
#define BACKPROP_NAMES_H

/* The names of one table entry. */
struct nn_names {
    const char *name;           /* the one spelling written everywhere */
    const char *const *aliases; /* other accepted spellings, NULL-terminated; or NULL */
};

/* 1 if `given` spells `names`: its name or one of its aliases, where a '-'
   in `given` stands for '_'; else 0. */
int nn__names_match(const struct nn_names *names, const char *given);

#endif
