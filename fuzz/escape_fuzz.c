/* Output encoding (util/escape.h) on arbitrary bytes, and the display form
 * of X.509 Names (x509/name.h cg_name_to_display) on the same bytes read as
 * a Name. What is checked: no unsafe code point and no invalid UTF-8 survives
 * the terminal escape; the Markdown text escape leaves no line break and no
 * unescaped '<', '[' or '`'; a CSV cell never starts a formula; cut output
 * fits its buffer and ends in its marker. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "x509/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every character of s is UTF-8 and safe. */
static int all_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = cg_utf8_char((const uint8_t *)s + i, n - i, &cp);
        if (len == 0 || cg_esc_unsafe_cp(cp))
            return 0;
        i += len;
    }
    return 1;
}

static void check_md_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r')
            __builtin_trap();
        if (strchr("<[`", s[i]) == NULL)
            continue;
        /* preceded by an odd number of backslashes: escaped */
        size_t k = 0;
        while (k < i && s[i - 1 - k] == '\\')
            k++;
        if (k % 2 == 0)
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), buf[64], name[256];
    cg_sbuf b = CG_SBUF_INIT;
    cg_cbs der;
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    cg_esc_term(&b, (const char *)data, size);
    if (!b.failed && !all_safe(b.data != NULL ? b.data : "", b.len))
        __builtin_trap();
    cg_sbuf_free(&b);

    cg_esc_md_text(&b, s, 0);
    if (!b.failed)
        check_md_text(cg_sbuf_str(&b), b.len);
    if (!b.failed && !all_safe(cg_sbuf_str(&b), b.len))
        __builtin_trap();
    cg_sbuf_free(&b);

    cg_esc_md_code(&b, s, CG_ESC_MD_CELL);
    if (!b.failed && (strchr(cg_sbuf_str(&b), '\n') != NULL || !all_safe(b.data, b.len)))
        __builtin_trap();
    cg_sbuf_free(&b);

    cg_esc_csv_cell(&b, s, "N/A");
    if (!b.failed) {
        const char *c = cg_sbuf_str(&b);
        c += *c == '"';
        while (*c == ' ')
            c++;
        if (*c != '\0' && strchr("=+-@\t\r\n", *c) != NULL)
            __builtin_trap();
    }
    cg_sbuf_free(&b);

    cg_esc_term_cut(s, buf, sizeof(buf));
    if (strlen(buf) >= sizeof(buf) || !all_safe(buf, strlen(buf)))
        __builtin_trap();

    cg_cbs_init(&der, data, size);
    if (cg_name_to_display(&der, name, sizeof(name))) {
        if (strlen(name) >= sizeof(name) || !all_safe(name, strlen(name)))
            __builtin_trap();
    }
    free(s);
    return 0;
}
