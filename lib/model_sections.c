/* The sections of a version-2 model file: the table and the loop over it
   (model_sections.h). */
#include "model_sections.h"

#include <string.h>

static const struct nn__section sections[] = {
    {"training", nn__training_carried, nn__training_write, nn__training_read,
     nn__training_max_bytes},
    {"scaling", nn__scaling_carried, nn__scaling_write, nn__scaling_read, nn__scaling_max_bytes},
    {"classes", nn__classes_carried, nn__classes_write, nn__classes_read, nn__classes_max_bytes},
    {"optimizer", nn__optimizer_carried, nn__optimizer_write, nn__optimizer_read,
     nn__optimizer_max_bytes},
    {"trainer", nn__trainer_carried, nn__trainer_write, nn__trainer_read, nn__trainer_max_bytes},
};

#define N_SECTIONS (sizeof sections / sizeof sections[0])

int nn__sections_carried(const nn_t *net, const struct nn__model_extras *x)
{
    for (size_t i = 0; i < N_SECTIONS; i++)
        if (sections[i].carried(net, x))
            return 1;
    return 0;
}

void nn__write_sections(const nn_t *net, const struct nn__model_extras *x,
                        struct nn__writer *w)
{
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (!sections[i].carried(net, x))
            continue;
        nn__write_str(w, "\nsection ");
        nn__write_str(w, sections[i].name);
        nn__write_str(w, "\n");
        sections[i].write(net, x, w);
    }
}

uint64_t nn__sections_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    uint64_t total = 0;
    for (size_t i = 0; i < N_SECTIONS; i++)
        total += sections[i].max_bytes(n_layers, sizes, params);
    return total;
}

void nn__release_extras(struct nn__model_extras *x)
{
    if (x == NULL)
        return;
    nn_optimizer_free(x->loaded_optimizer);
    x->loaded_optimizer = NULL;
    nn__train_state_free(x->loaded_train_state);
    x->loaded_train_state = NULL;
}

/* The known sections' names, for a message: "a, b or c". */
static void list_names(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < N_SECTIONS; i++) {
        const char *sep = i == 0 ? "" : i + 1 < N_SECTIONS ? ", " : " or ";
        const size_t need = strlen(sep) + strlen(sections[i].name);
        if (used + need >= size)
            return;
        strcat(out, sep);
        strcat(out, sections[i].name);
        used += need;
    }
}

/* The line "section <name>": *index receives the name's entry. */
static nn_status parse_section_line(struct nn__parser *p, size_t *index)
{
    const char *t = NULL;
    size_t n = 0;
    nn__next_token(p, &t, &n);
    if (!nn__token_is(t, n, "section"))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "unexpected '%s' after 'end' (expected 'section NAME')",
                              nn__quote(t, n).text);
    nn_status status = nn__expect_word(p, "section name", &t, &n);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    for (size_t i = 0; i < N_SECTIONS; i++) {
        if (nn__token_is(t, n, sections[i].name)) {
            *index = i;
            return NN_OK;
        }
    }
    char known[128];
    list_names(known, sizeof known);
    return nn__parse_fail(p, NN_ERR_UNKNOWN_NAME, p->line,
                          "unknown section '%s'; this library reads the sections %s (the "
                          "file may come from a newer version)",
                          nn__quote(t, n).text, known);
}

nn_status nn__parse_sections(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    size_t seen_line[N_SECTIONS] = {0};
    while (nn__next_content_line(p)) {
        size_t i = 0;
        nn_status status = parse_section_line(p, &i);
        if (status != NN_OK)
            return status;
        if (seen_line[i] != 0)
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "a second section '%s' (the first is on line %zu)",
                                  sections[i].name, seen_line[i]);
        seen_line[i] = p->line;
        status = sections[i].read(p, net, x);
        if (status != NN_OK)
            return status;
    }
    return NN_OK;
}
