/* The output formats of nn_explain(): one table that option checking
   (nn_explain_options_set_format), rendering and the name lookups the command
   uses all read. A new format is a renderer and one entry here, with the next
   NN_EXPLAIN_* code. */
#include "common.h"

#include <string.h>

static const struct nn__format formats[] = {
    {NN_EXPLAIN_TEXT, "text", nn__render_text},
    {NN_EXPLAIN_MARKDOWN, "markdown", nn__render_markdown},
    {NN_EXPLAIN_JSON, "json", nn__render_json},
};

#define N_FORMATS (sizeof formats / sizeof formats[0])

const struct nn__format *nn__format_find(int code)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].code == code)
            return &formats[i];
    return NULL;
}

const char *nn_explain_format_name(int format)
{
    const struct nn__format *f = nn__format_find(format);
    return f != NULL ? f->name : NULL;
}

nn_status nn_explain_format_from_name(const char *name, int *format)
{
    if (name == NULL || format == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (strcmp(formats[i].name, name) == 0) {
            *format = formats[i].code;
            return NN_OK;
        }
    }
    return NN_ERR_ARGUMENT;
}

/* Output leaves in pieces of this size at most. */
#define STAGE_BYTES 4096

nn_status nn__render(const struct nn__trace *t, nn__render_fn render, int digits,
                     nn_write_fn write, void *context)
{
    char *stage = nn__alloc(t->net, STAGE_BYTES);
    if (stage == NULL)
        return NN_ERR_NO_MEMORY;
    struct nn__writer w;
    nn__writer_callback(&w, write, context, stage, STAGE_BYTES);
    render(t, digits, &w);
    nn_status status = nn__writer_finish(&w);
    nn__dealloc(t->net, stage);
    return status;
}
