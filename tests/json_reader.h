/* A small, strict JSON reader for the tests (RFC 8259 grammar: no trailing
   commas, no comments, no leading zeros, no bare words other than true, false
   and null, nothing after the top value but whitespace). Numbers are read with
   strtod in the "C" locale that the tests run in; the grammar is checked here
   first, so strtod never sees anything it could read differently. */
#ifndef BACKPROP_TEST_JSON_READER_H
#define BACKPROP_TEST_JSON_READER_H

#include <stdlib.h>
#include <string.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
    enum jtype type;
    double num;
    int boolean;
    char *str;          /* J_STR */
    size_t n;           /* items of J_ARR / J_OBJ */
    struct jval *items; /* J_ARR, J_OBJ */
    char **keys;        /* J_OBJ */
};

struct jparser {
    const char *p;
    const char *end;
    int depth;
};

static int jp_value(struct jparser *ps, struct jval *out);
static void json_free(struct jval *v);

/* Appends item to v's items; on failure frees item. */
static int jp_push(struct jval *v, struct jval *item);

static void jp_ws(struct jparser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int jp_lit(struct jparser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return 0;
    ps->p += n;
    return 1;
}

static int jp_digits(struct jparser *ps)
{
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    return ps->p > start;
}

static int jp_number(struct jparser *ps, struct jval *out)
{
    const char *start = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (!jp_digits(ps))
        return 0;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!jp_digits(ps))
            return 0;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!jp_digits(ps))
            return 0;
    }
    char tmp[64];
    size_t n = (size_t)(ps->p - start);
    if (n >= sizeof tmp)
        return 0;
    memcpy(tmp, start, n);
    tmp[n] = '\0';
    out->type = J_NUM;
    out->num = strtod(tmp, NULL);
    return 1;
}

/* Strings: printable ASCII and the simple escapes (the library writes no others). */
static int jp_string(struct jparser *ps, char **out)
{
    if (ps->p >= ps->end || *ps->p != '"')
        return 0;
    ps->p++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (s != NULL && ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if ((unsigned char)c < 0x20)
            break;
        if (c == '\\') {
            const char *esc = ps->p < ps->end ? strchr("\"\\/bfnrt", *ps->p) : NULL;
            if (esc == NULL || *ps->p == '\0')
                break;
            c = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
            ps->p++;
        }
        if (n + 2 > cap)
            s = realloc(s, cap *= 2);
        if (s != NULL)
            s[n++] = c;
    }
    if (s == NULL || ps->p >= ps->end || *ps->p != '"') {
        free(s);
        return 0;
    }
    ps->p++;
    s[n] = '\0';
    *out = s;
    return 1;
}

static int jp_push(struct jval *v, struct jval *item)
{
    struct jval *grown = realloc(v->items, (v->n + 1) * sizeof *grown);
    if (grown == NULL) {
        json_free(item);
        return 0;
    }
    v->items = grown;
    v->items[v->n++] = *item;
    return 1;
}

static int jp_array(struct jparser *ps, struct jval *out)
{
    out->type = J_ARR;
    ps->p++;
    jp_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return 1;
    }
    for (;;) {
        struct jval item;
        if (!jp_value(ps, &item)) {
            json_free(&item);
            return 0;
        }
        if (!jp_push(out, &item))
            return 0;
        jp_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return 1;
        }
        return 0;
    }
}

static int jp_member(struct jparser *ps, struct jval *out)
{
    char *key = NULL;
    struct jval item;
    jp_ws(ps);
    if (!jp_string(ps, &key))
        return 0;
    jp_ws(ps);
    char **keys = realloc(out->keys, (out->n + 1) * sizeof *keys);
    if (keys == NULL) {
        free(key);
        return 0;
    }
    out->keys = keys;
    out->keys[out->n] = key;
    if (ps->p >= ps->end || *ps->p != ':')
        return (free(key), 0);
    ps->p++;
    if (!jp_value(ps, &item)) {
        json_free(&item);
        free(key);
        return 0;
    }
    return jp_push(out, &item) ? 1 : (free(key), 0);
}

static int jp_object(struct jparser *ps, struct jval *out)
{
    out->type = J_OBJ;
    ps->p++;
    jp_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 1;
    }
    for (;;) {
        if (!jp_member(ps, out))
            return 0;
        jp_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 1;
        }
        return 0;
    }
}

static int jp_value(struct jparser *ps, struct jval *out)
{
    memset(out, 0, sizeof *out);
    jp_ws(ps);
    if (ps->p >= ps->end || ++ps->depth > 64)
        return 0;
    int ok;
    const char c = *ps->p;
    if (c == '{')
        ok = jp_object(ps, out);
    else if (c == '[')
        ok = jp_array(ps, out);
    else if (c == '"')
        ok = (out->type = J_STR, jp_string(ps, &out->str));
    else if (c == 't' || c == 'f')
        ok = (out->type = J_BOOL, out->boolean = c == 't', jp_lit(ps, c == 't' ? "true" : "false"));
    else if (c == 'n')
        ok = (out->type = J_NULL, jp_lit(ps, "null"));
    else
        ok = jp_number(ps, out);
    ps->depth--;
    return ok;
}

static void json_free(struct jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        json_free(&v->items[i]);
        if (v->type == J_OBJ)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    memset(v, 0, sizeof *v);
}

/* Parses text[0..n) as one JSON value; 1 on success (release with json_free). */
static int json_parse(const char *text, size_t n, struct jval *out)
{
    struct jparser ps = {text, text + n, 0};
    if (!jp_value(&ps, out)) {
        json_free(out);
        return 0;
    }
    jp_ws(&ps);
    if (ps.p != ps.end) {
        json_free(out);
        return 0;
    }
    return 1;
}

/* The member `key` of an object, or NULL. */
static const struct jval *json_get(const struct jval *obj, const char *key)
{
    if (obj == NULL || obj->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* Item i of an array, or NULL. */
static const struct jval *json_at(const struct jval *arr, size_t i)
{
    if (arr == NULL || arr->type != J_ARR || i >= arr->n)
        return NULL;
    return &arr->items[i];
}

#endif
