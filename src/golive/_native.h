/* golive._native's shared helpers: a growing byte buffer, JSON string literals as Python's
 * json module writes them, SHA-256, and the functions of the module's other source files. */
#ifndef GOLIVE_NATIVE_H
#define GOLIVE_NATIVE_H

#define PY_SSIZE_T_CLEAN
#define OPENSSL_SUPPRESS_DEPRECATED
#include <Python.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <structmember.h>

#define HASH 32

/* ---- a growing byte buffer ------------------------------------------------------------ */

typedef struct {
    unsigned char *data;
    size_t len;
    size_t cap;
} buffer;

static inline int buf_reserve(buffer *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + extra) cap *= 2;
    unsigned char *data = realloc(b->data, cap);
    if (data == NULL) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int buf_put(buffer *b, const void *src, size_t n) {
    if (n == 0) return 0; /* memcpy to a buffer not yet allocated, even of 0 bytes, is UB */
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

#define BUF_LIT(b, s) buf_put((b), (s), sizeof(s) - 1)

static const char HEX[] = "0123456789abcdef";

/* UTF-8 text escaped for the inside of a JSON string literal, as
 * json.encoder.encode_basestring escapes it */
static inline int buf_json_chars(buffer *b, const unsigned char *s, size_t n) {
    if (buf_reserve(b, 6 * n) < 0) return -1;
    unsigned char *out = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
            case '"': *out++ = '\\'; *out++ = '"'; break;
            case '\\': *out++ = '\\'; *out++ = '\\'; break;
            case '\b': *out++ = '\\'; *out++ = 'b'; break;
            case '\f': *out++ = '\\'; *out++ = 'f'; break;
            case '\n': *out++ = '\\'; *out++ = 'n'; break;
            case '\r': *out++ = '\\'; *out++ = 'r'; break;
            case '\t': *out++ = '\\'; *out++ = 't'; break;
            default:
                if (c < 0x20) {
                    *out++ = '\\'; *out++ = 'u'; *out++ = '0'; *out++ = '0';
                    *out++ = (unsigned char)HEX[c >> 4];
                    *out++ = (unsigned char)HEX[c & 15];
                } else {
                    *out++ = c;
                }
        }
    }
    b->len = (size_t)(out - b->data);
    return 0;
}

/* a JSON string literal of UTF-8 text, as json.encoder.encode_basestring writes it */
static inline int buf_json_string(buffer *b, const unsigned char *s, size_t n) {
    if (buf_put(b, "\"", 1) < 0 || buf_json_chars(b, s, n) < 0) return -1;
    return buf_put(b, "\"", 1);
}

static inline void sha256(const unsigned char *data, size_t n, unsigned char *out) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, n);
    SHA256_Final(out, &ctx);
}

/* ---- slotted dataclasses ---------------------------------------------------------------- */

/* A new instance of a slotted dataclass without running its __init__: each of the class's
 * fields (member descriptors, in the order of ``names``) set to values[i]. Frozen classes
 * set their fields with object.__setattr__ in __init__; this stores the same references. */
typedef struct {
    PyTypeObject *type;
    Py_ssize_t count;
    Py_ssize_t offsets[24];
} slotted;

static inline int slotted_init(slotted *s, PyObject *cls, PyObject *names) {
    if (!PyType_Check(cls) || !PyTuple_Check(names) || PyTuple_GET_SIZE(names) > 24) {
        PyErr_SetString(PyExc_TypeError, "a slotted class and at most 24 field names");
        return -1;
    }
    s->type = (PyTypeObject *)cls;
    s->count = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < s->count; i++) {
        PyObject *descr = PyDict_GetItemWithError(s->type->tp_dict, PyTuple_GET_ITEM(names, i));
        if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type) ||
            ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "%R is not a slot of %R",
                             PyTuple_GET_ITEM(names, i), cls);
            return -1;
        }
        s->offsets[i] = ((PyMemberDescrObject *)descr)->d_member->offset;
    }
    return 0;
}

/* steals nothing: every value gets a new reference */
static inline PyObject *slotted_new(const slotted *s, PyObject *const *values) {
    PyObject *obj = s->type->tp_alloc(s->type, 0);
    if (obj == NULL) return NULL;
    for (Py_ssize_t i = 0; i < s->count; i++)
        *(PyObject **)((char *)obj + s->offsets[i]) = Py_NewRef(values[i]);
    return obj;
}

/* _gate.c: the release gate's inner loops */
PyObject *golive_finding_rows(PyObject *self, PyObject *args);
extern const char golive_finding_rows_doc[];
PyObject *golive_sarif_results(PyObject *self, PyObject *args);
extern const char golive_sarif_results_doc[];
PyObject *golive_pack(PyObject *self, PyObject *args);
extern const char golive_pack_doc[];
PyObject *golive_unpack(PyObject *self, PyObject *args);
extern const char golive_unpack_doc[];
PyObject *golive_instances(PyObject *self, PyObject *args);
extern const char golive_instances_doc[];
PyObject *golive_junit_records(PyObject *self, PyObject *args);
extern const char golive_junit_records_doc[];

/* _findings.c: the decision's per-finding work */
PyObject *golive_merge_issues(PyObject *self, PyObject *args);
extern const char golive_merge_issues_doc[];
PyObject *golive_counted_issues(PyObject *self, PyObject *args);
extern const char golive_counted_issues_doc[];
PyObject *golive_views_within(PyObject *self, PyObject *args);
extern const char golive_views_within_doc[];

#endif
