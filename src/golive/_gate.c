/* golive._native, the release gate's inner loops: the JSON rows of a decision's findings.
 *
 * finding_rows writes, for each golive.core.gate.model.FindingView, exactly the text of
 * FindingView.row() (one compact JSON object, keys in the order of _ROW_KEYS, strings escaped
 * as json.encoder.encode_basestring escapes them), after an indent and followed by ",\n"
 * (or "\n" after the last row of the whole list). A view whose issue folds several findings,
 * or whose finding has fix versions or suppressions, has its values computed by its own
 * _values() method; the rest are read here, attribute by attribute, the way _values() reads
 * them. tests/gate/test_rows_native.py compares the two over generated views.
 */
#include "_native.h"
#include <math.h>
#include <structmember.h>

/* attribute names, interned once */
static PyObject *s_issue, *s_findings, *s_fix_versions, *s_suppressions, *s_part, *s_key,
    *s_status, *s_severity, *s_value_, *s_level, *s_provenance, *s_kind, *s_rule_id, *s_title,
    *s_ids, *s_location, *s_path, *s_line, *s_package, *s_packages, *s_fingerprint, *s_tool,
    *s_source, *s_waiver, *s_note, *s_values;

static int intern_names(void) {
    if (s_values != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(s_issue, "issue") NAME(s_findings, "findings") NAME(s_fix_versions, "fix_versions")
    NAME(s_suppressions, "suppressions") NAME(s_part, "part") NAME(s_key, "key")
    NAME(s_status, "status") NAME(s_severity, "severity") NAME(s_value_, "_value_")
    NAME(s_level, "level") NAME(s_provenance, "provenance") NAME(s_kind, "kind")
    NAME(s_rule_id, "rule_id") NAME(s_title, "title") NAME(s_ids, "ids")
    NAME(s_location, "location") NAME(s_path, "path") NAME(s_line, "line")
    NAME(s_package, "package") NAME(s_packages, "packages") NAME(s_fingerprint, "fingerprint")
    NAME(s_tool, "tool") NAME(s_source, "source") NAME(s_waiver, "waiver") NAME(s_note, "note")
    NAME(s_values, "_values")
#undef NAME
    return 0;
}

#define ROW_VALUES 18

/* The UTF-8 bytes of str s (lone surrogates as "surrogatepass" writes them, undone when the
 * text is decoded the same way); *holder keeps them alive when they had to be encoded. */
static const char *utf8_of(PyObject *s, Py_ssize_t *size, PyObject **holder) {
    const char *data = PyUnicode_AsUTF8AndSize(s, size);
    if (data != NULL) return data;
    PyErr_Clear();
    *holder = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
    if (*holder == NULL) return NULL;
    *size = PyBytes_GET_SIZE(*holder);
    return PyBytes_AS_STRING(*holder);
}

static int put_string(buffer *b, PyObject *s) {
    if (!PyUnicode_CheckExact(s)) {
        PyErr_Format(PyExc_TypeError, "a finding row value is %.80s, not str",
                     Py_TYPE(s)->tp_name);
        return -1;
    }
    Py_ssize_t size;
    PyObject *holder = NULL;
    const char *data = utf8_of(s, &size, &holder);
    if (data == NULL) return -1;
    int rc = buf_json_string(b, (const unsigned char *)data, (size_t)size);
    Py_XDECREF(holder);
    if (rc < 0) PyErr_NoMemory();
    return rc;
}

/* str s escaped for the inside of a JSON string literal */
static int put_chars(buffer *b, PyObject *s) {
    Py_ssize_t size;
    PyObject *holder = NULL;
    const char *data = utf8_of(s, &size, &holder);
    if (data == NULL) return -1;
    int rc = buf_json_chars(b, (const unsigned char *)data, (size_t)size);
    Py_XDECREF(holder);
    if (rc < 0) PyErr_NoMemory();
    return rc;
}

/* Two row values written straight from their parts, without building their text: the
 * location "<path>:<line>" and the sources ["<tool> (<source>)"] of a one-finding issue. */
typedef struct {
    PyObject *path, *line;   /* new references, or NULL when the location is a value */
    PyObject *tool, *source; /* new references, or NULL when the sources are a value */
} joined;

static int put_location(buffer *b, const joined *j) {
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", PyLong_AsLongLong(j->line));
    if (buf_put(b, "\"", 1) < 0) return PyErr_NoMemory(), -1;
    if (put_chars(b, j->path) < 0) return -1;
    if (buf_put(b, ":", 1) < 0 || buf_put(b, digits, (size_t)n) < 0 || buf_put(b, "\"", 1) < 0)
        return PyErr_NoMemory(), -1;
    return 0;
}

static int put_sources(buffer *b, const joined *j) {
    if (BUF_LIT(b, "[\"") < 0) return PyErr_NoMemory(), -1;
    if (put_chars(b, j->tool) < 0) return -1;
    if (BUF_LIT(b, " (") < 0) return PyErr_NoMemory(), -1;
    if (put_chars(b, j->source) < 0) return -1;
    return BUF_LIT(b, ")\"]") < 0 ? (PyErr_NoMemory(), -1) : 0;
}

/* a row value as FindingView's _encode writes it: a string, a list of strings, or null */
static int put_value(buffer *b, PyObject *v) {
    if (PyUnicode_CheckExact(v)) return put_string(b, v);
    if (v == Py_None) return BUF_LIT(b, "null") < 0 ? (PyErr_NoMemory(), -1) : 0;
    if (PyList_CheckExact(v) || PyTuple_CheckExact(v)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(v);
        PyObject **items = PySequence_Fast_ITEMS(v);
        if (BUF_LIT(b, "[") < 0) return PyErr_NoMemory(), -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i > 0 && BUF_LIT(b, ", ") < 0) return PyErr_NoMemory(), -1;
            if (put_string(b, items[i]) < 0) return -1;
        }
        return BUF_LIT(b, "]") < 0 ? (PyErr_NoMemory(), -1) : 0;
    }
    PyErr_Format(PyExc_TypeError, "a finding row value is %.80s", Py_TYPE(v)->tp_name);
    return -1;
}

/* getattr that steals nothing and returns a new reference (NULL with an exception set) */
#define GET(obj, name) PyObject_GetAttr((obj), (name))

/* obj.<name>._value_ (an enum member's value) */
static PyObject *enum_value(PyObject *obj, PyObject *name) {
    PyObject *member = GET(obj, name);
    if (member == NULL) return NULL;
    PyObject *value = GET(member, s_value_);
    Py_DECREF(member);
    return value;
}

/* value if it is true, else None (``x or None``) */
static PyObject *or_none(PyObject *value) {
    if (value == NULL) return NULL;
    int true_ = PyObject_IsTrue(value);
    if (true_ < 0) {
        Py_DECREF(value);
        return NULL;
    }
    if (true_) return value;
    Py_DECREF(value);
    Py_RETURN_NONE;
}

/* a sequence attribute's length, or -1 with an exception set */
static Py_ssize_t length_of(PyObject *obj, PyObject *name) {
    PyObject *value = GET(obj, name);
    if (value == NULL) return -1;
    Py_ssize_t n = PyObject_Length(value);
    Py_DECREF(value);
    return n;
}

/* "<loc.path>:<loc.line>" when the first finding has a location with a path, else None;
 * with a str path and an int line that fits in 64 bits, j holds them instead and the
 * value is NULL with no exception: put_location writes it */
static PyObject *location_text(PyObject *first, joined *j) {
    PyObject *loc = GET(first, s_location);
    if (loc == NULL || loc == Py_None) return loc;
    PyObject *path = GET(loc, s_path), *line = NULL, *text = NULL;
    if (path == NULL) goto done;
    int has_path = PyObject_IsTrue(path);
    if (has_path < 0) goto done;
    if (!has_path) {
        text = Py_NewRef(Py_None);
        goto done;
    }
    if ((line = GET(loc, s_line)) == NULL) goto done;
    if (PyUnicode_CheckExact(path) && PyLong_CheckExact(line)) {
        int overflow;
        PyLong_AsLongLongAndOverflow(line, &overflow);
        if (!overflow) {
            j->path = Py_NewRef(path);
            j->line = Py_NewRef(line);
            goto done;  /* NULL, joined */
        }
    }
    text = PyUnicode_FromFormat("%S:%S", path, line);
done:
    Py_DECREF(loc);
    Py_XDECREF(path);
    Py_XDECREF(line);
    return text;
}

/* The values of a view that folds nothing, into values[]: 1 when done, 0 when the view needs
 * _values() (several findings, fix versions or suppressions), -1 on an error. */
static int simple_values(PyObject *view, PyObject **values, joined *j) {
    PyObject *issue = NULL, *members = NULL, *first = NULL, *severity = NULL, *package = NULL;
    PyObject *tool = NULL, *source = NULL;
    int result = -1;
    if ((issue = GET(view, s_issue)) == NULL) goto done;
    if ((members = GET(issue, s_findings)) == NULL) goto done;
    if (!PyTuple_CheckExact(members) || PyTuple_GET_SIZE(members) != 1) {
        result = 0;
        goto done;
    }
    first = Py_NewRef(PyTuple_GET_ITEM(members, 0));
    Py_ssize_t fixes = length_of(first, s_fix_versions);
    if (fixes < 0) goto done;
    Py_ssize_t suppressions = length_of(first, s_suppressions);
    if (suppressions < 0) goto done;
    if (fixes > 0 || suppressions > 0) {
        result = 0;
        goto done;
    }
    if ((severity = GET(issue, s_severity)) == NULL) goto done;
    if ((package = GET(first, s_package)) == NULL) goto done;
    if ((tool = GET(first, s_tool)) == NULL || (source = GET(first, s_source)) == NULL) goto done;
    if ((values[0] = GET(view, s_part)) == NULL) goto done;
    if ((values[1] = GET(issue, s_key)) == NULL) goto done;
    if ((values[2] = enum_value(view, s_status)) == NULL) goto done;
    if ((values[3] = enum_value(view, s_severity)) == NULL) goto done;
    if ((values[4] = enum_value(severity, s_level)) == NULL) goto done;
    if ((values[5] = GET(severity, s_provenance)) == NULL) goto done;
    if ((values[6] = enum_value(issue, s_kind)) == NULL) goto done;
    if ((values[7] = GET(first, s_rule_id)) == NULL) goto done;
    if ((values[8] = GET(first, s_title)) == NULL) goto done;
    if ((values[9] = GET(issue, s_ids)) == NULL) goto done;
    if ((values[10] = location_text(first, j)) == NULL && j->path == NULL) goto done;
    values[11] = package == Py_None ? PyTuple_New(0) : GET(issue, s_packages);
    if (values[11] == NULL) goto done;
    if ((values[12] = PyTuple_New(0)) == NULL) goto done;
    if ((values[13] = or_none(GET(first, s_fingerprint))) == NULL) goto done;
    /* Issue.sources of one finding */
    if (PyUnicode_CheckExact(tool) && PyUnicode_CheckExact(source)) {
        j->tool = Py_NewRef(tool);
        j->source = Py_NewRef(source);
    } else {
        PyObject *only = PyUnicode_FromFormat("%S (%S)", tool, source);
        if (only == NULL) goto done;
        values[14] = PyTuple_Pack(1, only);
        Py_DECREF(only);
        if (values[14] == NULL) goto done;
    }
    if ((values[15] = PyTuple_New(0)) == NULL) goto done;
    if ((values[16] = GET(view, s_waiver)) == NULL) goto done;
    if ((values[17] = or_none(GET(view, s_note))) == NULL) goto done;
    result = 1;
done:
    Py_XDECREF(issue);
    Py_XDECREF(members);
    Py_XDECREF(first);
    Py_XDECREF(severity);
    Py_XDECREF(package);
    Py_XDECREF(tool);
    Py_XDECREF(source);
    return result;
}

/* values[] from view._values() (a tuple of ROW_VALUES values) */
static int method_values(PyObject *view, PyObject **values) {
    PyObject *tuple = PyObject_CallMethodNoArgs(view, s_values);
    if (tuple == NULL) return -1;
    if (!PyTuple_CheckExact(tuple) || PyTuple_GET_SIZE(tuple) != ROW_VALUES) {
        PyErr_SetString(PyExc_TypeError, "FindingView._values() gave no tuple of 18 values");
        Py_DECREF(tuple);
        return -1;
    }
    for (int i = 0; i < ROW_VALUES; i++) values[i] = Py_NewRef(PyTuple_GET_ITEM(tuple, i));
    Py_DECREF(tuple);
    return 0;
}

static int put_row(buffer *b, PyObject *view, const char *indent, Py_ssize_t indent_len,
                   const char *const *parts, const Py_ssize_t *part_len, int final) {
    PyObject *values[ROW_VALUES] = {NULL};
    joined j = {NULL, NULL, NULL, NULL};
    int rc = -1;
    int simple = simple_values(view, values, &j);
    if (simple < 0) goto done;
    if (simple == 0) {
        for (int i = 0; i < ROW_VALUES; i++) Py_CLEAR(values[i]);
        Py_CLEAR(j.path);
        Py_CLEAR(j.line);
        Py_CLEAR(j.tool);
        Py_CLEAR(j.source);
        if (method_values(view, values) < 0) goto done;
    }
    if (buf_put(b, indent, (size_t)indent_len) < 0) goto nomem;
    for (int i = 0; i < ROW_VALUES; i++) {
        if (buf_put(b, parts[i], (size_t)part_len[i]) < 0) goto nomem;
        int put = i == 10 && j.path != NULL   ? put_location(b, &j)
                  : i == 14 && j.tool != NULL ? put_sources(b, &j)
                                              : put_value(b, values[i]);
        if (put < 0) goto done;
    }
    if (buf_put(b, parts[ROW_VALUES], (size_t)part_len[ROW_VALUES]) < 0) goto nomem;
    if ((final ? BUF_LIT(b, "\n") : BUF_LIT(b, ",\n")) < 0) goto nomem;
    rc = 0;
    goto done;
nomem:
    PyErr_NoMemory();
done:
    for (int i = 0; i < ROW_VALUES; i++) Py_XDECREF(values[i]);
    Py_XDECREF(j.path);
    Py_XDECREF(j.line);
    Py_XDECREF(j.tool);
    Py_XDECREF(j.source);
    return rc;
}

/* ---- rows written by several threads, without the GIL ---------------------------------
 *
 * A view of the common shape (put_row's simple case: one finding, no fix versions,
 * suppressions or package, ASCII strings, a line that fits in 30 bits) is written from the
 * objects' slots directly: the objects are frozen dataclasses, str, tuples and enum members,
 * read without touching a reference count or calling into Python, so several threads write
 * rows at once with the GIL released. Any other view is left to put_row, with the GIL, and
 * its text put in its place. The text is put_row's exactly (the tests compare them). */

#include <pthread.h>
#include <unistd.h>

#define ENUM_PAIRS 48

typedef struct {
    PyTypeObject *view_t, *issue_t, *finding_t, *severity_t, *location_t;
    Py_ssize_t v_part, v_issue, v_severity, v_status, v_waiver, v_note;
    Py_ssize_t i_key, i_kind, i_ids, i_severity, i_findings;
    Py_ssize_t f_rule_id, f_title, f_location, f_package, f_fix_versions, f_fingerprint,
        f_suppressions, f_tool, f_source;
    Py_ssize_t s_level_at, s_provenance_at;
    Py_ssize_t l_path, l_line;
    int members;
    PyObject *member[ENUM_PAIRS]; /* enum members (borrowed: the layout tuple holds them) */
    PyObject *value[ENUM_PAIRS];  /* their _value_ */
} row_layout;

static int slot_offset(PyTypeObject *type, const char *name, Py_ssize_t *offset) {
    PyObject *descr = PyDict_GetItemString(type->tp_dict, name);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type) ||
        ((PyMemberDescrObject *)descr)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%s is not a slot of %s", name, type->tp_name);
        return -1;
    }
    *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    return 0;
}

/* layout: (FindingView, Issue, Finding, ResolvedSeverity, Location, ((member, value), ...)) */
static int layout_init(row_layout *L, PyObject *layout) {
    PyObject *pairs;
    if (!PyArg_ParseTuple(layout, "O!O!O!O!O!O!:finding_rows layout", &PyType_Type, &L->view_t,
                          &PyType_Type, &L->issue_t, &PyType_Type, &L->finding_t, &PyType_Type,
                          &L->severity_t, &PyType_Type, &L->location_t, &PyTuple_Type, &pairs))
        return -1;
    if (slot_offset(L->view_t, "part", &L->v_part) < 0 ||
        slot_offset(L->view_t, "issue", &L->v_issue) < 0 ||
        slot_offset(L->view_t, "severity", &L->v_severity) < 0 ||
        slot_offset(L->view_t, "status", &L->v_status) < 0 ||
        slot_offset(L->view_t, "waiver", &L->v_waiver) < 0 ||
        slot_offset(L->view_t, "note", &L->v_note) < 0 ||
        slot_offset(L->issue_t, "key", &L->i_key) < 0 ||
        slot_offset(L->issue_t, "kind", &L->i_kind) < 0 ||
        slot_offset(L->issue_t, "ids", &L->i_ids) < 0 ||
        slot_offset(L->issue_t, "severity", &L->i_severity) < 0 ||
        slot_offset(L->issue_t, "findings", &L->i_findings) < 0 ||
        slot_offset(L->finding_t, "rule_id", &L->f_rule_id) < 0 ||
        slot_offset(L->finding_t, "title", &L->f_title) < 0 ||
        slot_offset(L->finding_t, "location", &L->f_location) < 0 ||
        slot_offset(L->finding_t, "package", &L->f_package) < 0 ||
        slot_offset(L->finding_t, "fix_versions", &L->f_fix_versions) < 0 ||
        slot_offset(L->finding_t, "fingerprint", &L->f_fingerprint) < 0 ||
        slot_offset(L->finding_t, "suppressions", &L->f_suppressions) < 0 ||
        slot_offset(L->finding_t, "tool", &L->f_tool) < 0 ||
        slot_offset(L->finding_t, "source", &L->f_source) < 0 ||
        slot_offset(L->severity_t, "level", &L->s_level_at) < 0 ||
        slot_offset(L->severity_t, "provenance", &L->s_provenance_at) < 0 ||
        slot_offset(L->location_t, "path", &L->l_path) < 0 ||
        slot_offset(L->location_t, "line", &L->l_line) < 0)
        return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(pairs);
    if (n > ENUM_PAIRS) {
        PyErr_SetString(PyExc_ValueError, "finding_rows layout: too many enum members");
        return -1;
    }
    L->members = (int)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyTuple_GET_ITEM(pairs, i);
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "finding_rows layout: (member, value) pairs");
            return -1;
        }
        L->member[i] = PyTuple_GET_ITEM(pair, 0);
        L->value[i] = PyTuple_GET_ITEM(pair, 1);
    }
    return 0;
}

#define SLOT(obj, at) (*(PyObject **)((char *)(obj) + (at)))

/* an object's slot when obj is exactly of type t and the slot is set, else NULL */
static inline PyObject *slot_of(PyObject *obj, PyTypeObject *t, Py_ssize_t at) {
    return Py_IS_TYPE(obj, t) ? SLOT(obj, at) : NULL;
}

static inline PyObject *enum_of(const row_layout *L, PyObject *member) {
    for (int i = 0; i < L->members; i++)
        if (L->member[i] == member) return L->value[i];
    return NULL;
}

/* a compact ASCII str: its bytes */
static inline int ascii_of(PyObject *s, const unsigned char **data, size_t *n) {
    if (s == NULL || !PyUnicode_CheckExact(s) || !PyUnicode_IS_COMPACT_ASCII(s)) return 0;
    *data = (const unsigned char *)PyUnicode_DATA(s);
    *n = (size_t)PyUnicode_GET_LENGTH(s);
    return 1;
}

/* status of writing without the GIL: 1 written, 0 left for put_row, -1 out of memory */
#define PUT(expr) \
    if ((expr) < 0) return -1
#define NEED(cond) \
    if (!(cond)) return 0

static int nogil_string(buffer *b, PyObject *s) {
    const unsigned char *d;
    size_t n;
    NEED(ascii_of(s, &d, &n));
    PUT(buf_json_string(b, d, n));
    return 1;
}

/* a str, or null for None (or for "" when empty_is_null) */
static int nogil_text_or_null(buffer *b, PyObject *s, int empty_is_null) {
    NEED(s != NULL);
    if (s == Py_None) {
        PUT(BUF_LIT(b, "null"));
        return 1;
    }
    if (empty_is_null && PyUnicode_CheckExact(s) && PyUnicode_GET_LENGTH(s) == 0) {
        PUT(BUF_LIT(b, "null"));
        return 1;
    }
    return nogil_string(b, s);
}

static int nogil_strings(buffer *b, PyObject *t) {
    NEED(t != NULL && PyTuple_CheckExact(t));
    PUT(BUF_LIT(b, "["));
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(t); i++) {
        if (i > 0) PUT(BUF_LIT(b, ", "));
        int done = nogil_string(b, PyTuple_GET_ITEM(t, i));
        if (done <= 0) return done;
    }
    PUT(BUF_LIT(b, "]"));
    return 1;
}

static int nogil_enum(buffer *b, const row_layout *L, PyObject *member) {
    NEED(member != NULL);
    PyObject *value = enum_of(L, member);
    NEED(value != NULL);
    return nogil_text_or_null(b, value, 0);
}

static int nogil_location(buffer *b, const row_layout *L, PyObject *loc) {
    NEED(loc != NULL);
    if (loc == Py_None) {
        PUT(BUF_LIT(b, "null"));
        return 1;
    }
    PyObject *path = slot_of(loc, L->location_t, L->l_path);
    const unsigned char *d;
    size_t n;
    NEED(ascii_of(path, &d, &n));
    if (n == 0) { /* no path: None */
        PUT(BUF_LIT(b, "null"));
        return 1;
    }
    PyObject *line = slot_of(loc, L->location_t, L->l_line);
    NEED(line != NULL && PyLong_CheckExact(line));
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    Py_ssize_t size = Py_SIZE(line);
    NEED(size >= -1 && size <= 1);
    long value = size == 0 ? 0 : (long)((PyLongObject *)line)->ob_digit[0];
    if (size < 0) value = -value;
#else
    return 0; /* another int layout: put_row writes it */
#endif
    char digits[24];
    int k = snprintf(digits, sizeof digits, "%ld", value);
    PUT(buf_put(b, "\"", 1));
    PUT(buf_json_chars(b, d, n));
    PUT(buf_put(b, ":", 1));
    PUT(buf_put(b, digits, (size_t)k));
    PUT(buf_put(b, "\"", 1));
    return 1;
}

typedef struct {
    const row_layout *L;
    const char *indent;
    size_t indent_len;
    const char *const *parts;
    const Py_ssize_t *part_len;
} row_text;

static int nogil_row(buffer *b, const row_text *t, PyObject *view, int final) {
    const row_layout *L = t->L;
    PyObject *issue = slot_of(view, L->view_t, L->v_issue);
    NEED(issue != NULL);
    PyObject *members = slot_of(issue, L->issue_t, L->i_findings);
    NEED(members != NULL && PyTuple_CheckExact(members) && PyTuple_GET_SIZE(members) == 1);
    PyObject *first = PyTuple_GET_ITEM(members, 0);
    NEED(Py_IS_TYPE(first, L->finding_t));
    PyObject *fixes = SLOT(first, L->f_fix_versions), *sup = SLOT(first, L->f_suppressions);
    NEED(fixes != NULL && PyTuple_CheckExact(fixes) && PyTuple_GET_SIZE(fixes) == 0);
    NEED(sup != NULL && PyTuple_CheckExact(sup) && PyTuple_GET_SIZE(sup) == 0);
    NEED(SLOT(first, L->f_package) == Py_None);
    PyObject *severity = slot_of(issue, L->issue_t, L->i_severity);
    NEED(severity != NULL && Py_IS_TYPE(severity, L->severity_t));
    PyObject *tool = SLOT(first, L->f_tool), *source = SLOT(first, L->f_source);
    const unsigned char *td, *sd;
    size_t tn, sn;
    NEED(ascii_of(tool, &td, &tn) && ascii_of(source, &sd, &sn));
    PyObject *fingerprint = SLOT(first, L->f_fingerprint);
    NEED(fingerprint != NULL && PyUnicode_CheckExact(fingerprint));
    PyObject *note = SLOT(view, L->v_note);
    NEED(note != NULL && (note == Py_None || PyUnicode_CheckExact(note)));

    int done;
    PUT(buf_put(b, t->indent, t->indent_len));
#define PART(i) PUT(buf_put(b, t->parts[i], (size_t)t->part_len[i]))
#define VALUE(expr)               \
    if ((done = (expr)) <= 0) return done
    PART(0); VALUE(nogil_text_or_null(b, SLOT(view, L->v_part), 0));
    PART(1); VALUE(nogil_text_or_null(b, SLOT(issue, L->i_key), 0));
    PART(2); VALUE(nogil_enum(b, L, SLOT(view, L->v_status)));
    PART(3); VALUE(nogil_enum(b, L, SLOT(view, L->v_severity)));
    PART(4); VALUE(nogil_enum(b, L, SLOT(severity, L->s_level_at)));
    PART(5); VALUE(nogil_text_or_null(b, SLOT(severity, L->s_provenance_at), 0));
    PART(6); VALUE(nogil_enum(b, L, SLOT(issue, L->i_kind)));
    PART(7); VALUE(nogil_text_or_null(b, SLOT(first, L->f_rule_id), 0));
    PART(8); VALUE(nogil_text_or_null(b, SLOT(first, L->f_title), 0));
    PART(9); VALUE(nogil_strings(b, SLOT(issue, L->i_ids)));
    PART(10); VALUE(nogil_location(b, L, SLOT(first, L->f_location)));
    PART(11); PUT(BUF_LIT(b, "[]"));
    PART(12); PUT(BUF_LIT(b, "[]"));
    PART(13); VALUE(nogil_text_or_null(b, fingerprint, 1));
    PART(14);
    PUT(BUF_LIT(b, "[\""));
    PUT(buf_json_chars(b, td, tn));
    PUT(BUF_LIT(b, " ("));
    PUT(buf_json_chars(b, sd, sn));
    PUT(BUF_LIT(b, ")\"]"));
    PART(15); PUT(BUF_LIT(b, "[]"));
    PART(16); VALUE(nogil_text_or_null(b, SLOT(view, L->v_waiver), 0));
    PART(17); VALUE(nogil_text_or_null(b, note, 1));
    PART(ROW_VALUES);
#undef PART
#undef VALUE
    PUT(final ? BUF_LIT(b, "\n") : BUF_LIT(b, ",\n"));
    return 1;
}
#undef PUT
#undef NEED

typedef struct {
    const row_text *text;
    PyObject *const *views;
    Py_ssize_t start, stop, total;
    int last;
    buffer out;
    size_t *spans; /* per view of the range: start and length in out; length SIZE_MAX: left */
    int failed;    /* out of memory */
} row_job;

static void *run_row_job(void *arg) {
    row_job *job = arg;
    for (Py_ssize_t i = job->start; i < job->stop; i++) {
        size_t at = job->out.len;
        size_t *span = job->spans + 2 * (i - job->start);
        int done = nogil_row(&job->out, job->text, job->views[i], job->last && i == job->total - 1);
        if (done < 0) {
            job->failed = 1;
            return NULL;
        }
        if (done == 0) job->out.len = at; /* what was written of it is dropped */
        span[0] = at;
        span[1] = done ? job->out.len - at : SIZE_MAX;
    }
    return NULL;
}

/* the rows of views[0..n) written by `threads` threads (this one among them), the views they
 * leave written by put_row; NULL with an exception on an error */
static PyObject *rows_in_threads(PyObject *const *views, Py_ssize_t n, const row_text *text,
                                 int last, int threads) {
    row_job jobs[8];
    pthread_t ids[8];
    int started[8] = {0};
    if (threads > 8) threads = 8;
    if (threads > n) threads = (int)(n ? n : 1);
    PyObject *result = NULL;
    buffer joined_rows = {NULL, 0, 0}, left = {NULL, 0, 0};
    for (int k = 0; k < threads; k++) {
        jobs[k] = (row_job){text, views, n * k / threads, n * (k + 1) / threads, n, last,
                            {NULL, 0, 0}, NULL, 0};
        Py_ssize_t count = jobs[k].stop - jobs[k].start;
        jobs[k].spans = malloc(sizeof(size_t) * 2 * (size_t)(count ? count : 1));
        if (jobs[k].spans == NULL) {
            for (int j = 0; j <= k; j++) free(jobs[j].spans);
            return PyErr_NoMemory();
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (int k = 1; k < threads; k++)
        started[k] = pthread_create(&ids[k], NULL, run_row_job, &jobs[k]) == 0;
    run_row_job(&jobs[0]);
    for (int k = 1; k < threads; k++) {
        if (started[k])
            pthread_join(ids[k], NULL);
        else
            run_row_job(&jobs[k]); /* no thread to be had: written here */
    }
    Py_END_ALLOW_THREADS
    int failed = 0;
    for (int k = 0; k < threads; k++) failed |= jobs[k].failed;
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    for (int k = 0; k < threads; k++) {
        row_job *job = &jobs[k];
        for (Py_ssize_t i = job->start; i < job->stop; i++) {
            size_t *span = job->spans + 2 * (i - job->start);
            if (span[1] != SIZE_MAX) {
                if (buf_put(&joined_rows, job->out.data + span[0], span[1]) < 0) {
                    PyErr_NoMemory();
                    goto done;
                }
                continue;
            }
            left.len = 0;
            if (put_row(&left, views[i], text->indent, (Py_ssize_t)text->indent_len,
                        text->parts, text->part_len, last && i == n - 1) < 0)
                goto done;
            if (buf_put(&joined_rows, left.data, left.len) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    result = PyUnicode_DecodeUTF8(joined_rows.data ? (const char *)joined_rows.data : "",
                                  (Py_ssize_t)joined_rows.len, "surrogatepass");
done:
    for (int k = 0; k < threads; k++) {
        free(jobs[k].out.data);
        free(jobs[k].spans);
    }
    free(joined_rows.data);
    free(left.data);
    return result;
}

const char golive_finding_rows_doc[] =
    "finding_rows(views, indent, last, parts, layout=None, threads=1) -> str\n\n"
    "The rows of write_rows(views, indent, last): each view's row() after indent, then ',\\n'\n"
    "(or '\\n' after the last view when last is true). parts are the 19 pieces of the row\n"
    "around its 18 values (_ROW_TEXT split at each %s). With layout, (FindingView, Issue,\n"
    "Finding, ResolvedSeverity, Location, ((enum member, its value), ...)), and threads > 1,\n"
    "rows of the common shape are written by that many threads without the GIL.";

PyObject *golive_finding_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views, *indent_obj, *parts_obj, *layout = Py_None;
    int last, threads = 1;
    if (!PyArg_ParseTuple(args, "OUpO!|Oi:finding_rows", &views, &indent_obj, &last,
                          &PyTuple_Type, &parts_obj, &layout, &threads))
        return NULL;
    if (PyTuple_GET_SIZE(parts_obj) != ROW_VALUES + 1) {
        PyErr_SetString(PyExc_ValueError, "finding_rows needs the 19 pieces of a row");
        return NULL;
    }
    if (intern_names() < 0) return NULL;
    const char *parts[ROW_VALUES + 1];
    Py_ssize_t part_len[ROW_VALUES + 1];
    for (int i = 0; i <= ROW_VALUES; i++) {
        PyObject *part = PyTuple_GET_ITEM(parts_obj, i);
        if (!PyUnicode_Check(part) ||
            (parts[i] = PyUnicode_AsUTF8AndSize(part, &part_len[i])) == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "a row piece is not str");
            return NULL;
        }
    }
    Py_ssize_t indent_len;
    PyObject *indent_holder = NULL;
    const char *indent = utf8_of(indent_obj, &indent_len, &indent_holder);
    if (indent == NULL) return NULL;
    PyObject *seq = PySequence_Fast(views, "finding_rows needs a sequence of views");
    if (seq == NULL) {
        Py_XDECREF(indent_holder);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    buffer b = {NULL, 0, 0};
    PyObject *text = NULL;
    if (layout != Py_None && threads > 1) {
        row_layout L;
        if (layout_init(&L, layout) < 0) goto done;
        row_text rt = {&L, indent, (size_t)indent_len, parts, part_len};
        text = rows_in_threads(PySequence_Fast_ITEMS(seq), n, &rt, last, threads);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *view = PySequence_Fast_GET_ITEM(seq, i);
        if (put_row(&b, view, indent, indent_len, parts, part_len, last && i == n - 1) < 0)
            goto done;
    }
    text = PyUnicode_DecodeUTF8(b.data ? (const char *)b.data : "", (Py_ssize_t)b.len,
                                "surrogatepass");
done:
    free(b.data);
    Py_DECREF(seq);
    Py_XDECREF(indent_holder);
    return text;
}

/* ---- SARIF results: the reader's fast path, compiled ---------------------------------- */

typedef struct {
    PyObject *fast_keys;   /* frozenset of the members the fast path understands */
    PyObject *by_index;    /* list: facts tuple of driver rule i, or bail */
    PyObject *by_id;       /* dict: rule id -> facts tuple (driver, then extensions), or bail */
    PyObject *bail;        /* the marker of a rule the fast path cannot use */
    PyObject *levels;      /* frozenset of SARIF levels */
    PyObject *clean, *as_integer, *path, *severity, *fingerprint, *is_placeholder;
    PyObject *vuln_ids;    /* None, or vuln_ids_in for an SCA run */
    PyObject *kind, *tool, *source, *label, *notes;
    PyObject *defaults;    /* Finding's defaults for package .. notes (after location) */
    slotted finding, location;
    PyObject *paths, *severities; /* caches of this call */
} sarif_ctx;

/* 1: bail out (the Python paths read this result), with no exception set */
#define BAIL 1

static PyObject *s_rule_id_key, *s_rule_index_key, *s_level_key, *s_message_key, *s_text_key,
    *s_locations_key, *s_physical_key, *s_artifact_key, *s_uri_key, *s_uri_base_key,
    *s_index_key, *s_region_key, *s_start_line_key, *s_start_column_key, *s_end_line_key,
    *s_fingerprints_key, *s_partial_key, *s_properties_key, *s_security_severity_key,
    *s_warning, *s_result, *s_rule_default, *s_sarif_default, *s_empty;

static int intern_sarif(void) {
    if (s_empty != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(s_rule_id_key, "ruleId") NAME(s_rule_index_key, "ruleIndex") NAME(s_level_key, "level")
    NAME(s_message_key, "message") NAME(s_text_key, "text") NAME(s_locations_key, "locations")
    NAME(s_physical_key, "physicalLocation") NAME(s_artifact_key, "artifactLocation")
    NAME(s_uri_key, "uri") NAME(s_uri_base_key, "uriBaseId") NAME(s_index_key, "index")
    NAME(s_region_key, "region") NAME(s_start_line_key, "startLine")
    NAME(s_start_column_key, "startColumn") NAME(s_end_line_key, "endLine")
    NAME(s_fingerprints_key, "fingerprints") NAME(s_partial_key, "partialFingerprints")
    NAME(s_properties_key, "properties") NAME(s_security_severity_key, "security-severity")
    NAME(s_warning, "warning") NAME(s_result, "result") NAME(s_rule_default, "rule default")
    NAME(s_sarif_default, "SARIF default") NAME(s_empty, "")
#undef NAME
    return 0;
}

/* clean(text): text itself when it is printable ASCII, else the Python function's answer */
static PyObject *clean_text(sarif_ctx *c, PyObject *text) {
    if (PyUnicode_IS_ASCII(text)) {
        const unsigned char *p = PyUnicode_1BYTE_DATA(text);
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
        while (i < n && p[i] >= 0x20 && p[i] < 0x7f) i++;
        if (i == n) return Py_NewRef(text);
    }
    return PyObject_CallOneArg(c->clean, text);
}

/* _text(v): clean(v) for a str, "" for None; BAIL (as *out NULL, returning 1) otherwise */
static int plain_text(sarif_ctx *c, PyObject *v, PyObject **out) {
    *out = NULL;
    if (v == NULL || v == Py_None) {
        *out = Py_NewRef(s_empty);
        return 0;
    }
    if (!PyUnicode_CheckExact(v)) return BAIL;
    *out = clean_text(c, v);
    return *out == NULL ? -1 : 0;
}

/* as_integer(v, default): exact ints and absent/null/bool here, the rest in Python */
static int integer_of(sarif_ctx *c, PyObject *v, long long fallback, long long *out) {
    if (v == NULL || v == Py_None || PyBool_Check(v)) {
        *out = fallback;
        return 0;
    }
    PyObject *value;
    if (PyLong_CheckExact(v)) {
        value = Py_NewRef(v);
    } else {
        PyObject *d = PyLong_FromLongLong(fallback);
        if (d == NULL) return -1;
        value = PyObject_CallFunctionObjArgs(c->as_integer, v, d, NULL);
        Py_DECREF(d);
        if (value == NULL) return -1;
    }
    int overflow = 0;
    *out = PyLong_AsLongLongAndOverflow(value, &overflow);
    Py_DECREF(value);
    if (*out == -1 && PyErr_Occurred()) return -1;
    return overflow ? BAIL : 0;  /* a line number past 2**63: the Python paths keep it */
}

/* the path of (uri, base) by _Bases.path, remembered for this call */
static PyObject *path_of(sarif_ctx *c, PyObject *uri, PyObject *base) {
    PyObject *key = PyUnicode_GET_LENGTH(base) == 0 ? Py_NewRef(uri) : PyTuple_Pack(2, uri, base);
    if (key == NULL) return NULL;
    PyObject *found = PyDict_GetItemWithError(c->paths, key);
    if (found != NULL) {
        Py_DECREF(key);
        return Py_NewRef(found);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    found = PyObject_CallFunctionObjArgs(c->path, uri, base, NULL);
    if (found != NULL && PyDict_SetItem(c->paths, key, found) < 0) Py_CLEAR(found);
    Py_DECREF(key);
    return found;
}

static int is_mapping(PyObject *v) { return v != NULL && PyDict_CheckExact(v); }

/* where a result is: its Location's path (borrowed from it), line and column */
typedef struct {
    PyObject *path;
    long long line, column;
} place;

/* _Fast._location: *out a Location or None (then where->path is NULL); BAIL when the result
 * needs the full path */
static int location_of(sarif_ctx *c, PyObject *locations, PyObject **out, place *where) {
    *out = NULL;
    where->path = NULL;
    if (locations == NULL || locations == Py_None) {
        *out = Py_NewRef(Py_None);
        return 0;
    }
    if (!PyList_CheckExact(locations)) return BAIL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(locations); i++) {
        PyObject *loc = PyList_GET_ITEM(locations, i);
        if (!is_mapping(loc)) return BAIL;
        PyObject *phys = PyDict_GetItemWithError(loc, s_physical_key);
        if (phys == NULL && PyErr_Occurred()) return -1;
        if (!is_mapping(phys)) {
            if (phys != NULL && phys != Py_None) return BAIL;
            continue;
        }
        PyObject *art = PyDict_GetItemWithError(phys, s_artifact_key);
        if (art == NULL && PyErr_Occurred()) return -1;
        PyObject *uri = NULL, *base = NULL;
        int rc;
        if (is_mapping(art)) {
            if ((rc = plain_text(c, PyDict_GetItemWithError(art, s_uri_key), &uri)) != 0)
                return rc;
            if ((rc = plain_text(c, PyDict_GetItemWithError(art, s_uri_base_key), &base)) != 0) {
                Py_DECREF(uri);
                return rc;
            }
            int has_index = PyDict_Contains(art, s_index_key);
            if (has_index < 0 || (PyUnicode_GET_LENGTH(uri) == 0 && has_index)) {
                Py_DECREF(uri);
                Py_DECREF(base);
                return has_index < 0 ? -1 : BAIL;
            }
        } else if (art != NULL && art != Py_None) {
            return BAIL;
        } else {
            uri = Py_NewRef(s_empty);
            base = Py_NewRef(s_empty);
        }
        long long line = 0, col = 0, end = 0;
        PyObject *region = PyDict_GetItemWithError(phys, s_region_key);
        rc = 0;
        if (is_mapping(region)) {
            if ((rc = integer_of(c, PyDict_GetItemWithError(region, s_start_line_key), 0, &line)) ==
                    0 &&
                (rc = integer_of(c, PyDict_GetItemWithError(region, s_start_column_key), 0,
                                 &col)) == 0)
                rc = integer_of(c, PyDict_GetItemWithError(region, s_end_line_key), 0, &end);
        } else if (region != NULL && region != Py_None) {
            rc = BAIL;
        } else if (region == NULL && PyErr_Occurred()) {
            rc = -1;
        }
        if (rc != 0) {
            Py_DECREF(uri);
            Py_DECREF(base);
            return rc;
        }
        PyObject *path = path_of(c, uri, base);
        Py_DECREF(uri);
        Py_DECREF(base);
        if (path == NULL) return -1;
        PyObject *values[4] = {path, PyLong_FromLongLong(line), PyLong_FromLongLong(col),
                               PyLong_FromLongLong(end)};
        if (values[1] != NULL && values[2] != NULL && values[3] != NULL)
            *out = slotted_new(&c->location, values);
        for (int k = 0; k < 4; k++) Py_XDECREF(values[k]);
        if (*out == NULL) return -1;
        where->path = path;  /* alive as long as the Location */
        where->line = line;
        where->column = col;
        return 0;
    }
    *out = Py_NewRef(Py_None);
    return 0;
}

/* is_placeholder_fingerprint(v): decided here for printable ASCII, else by Python */
static int placeholder(sarif_ctx *c, PyObject *v) {
    if (PyUnicode_IS_ASCII(v)) {
        const unsigned char *p = PyUnicode_1BYTE_DATA(v);
        Py_ssize_t n = PyUnicode_GET_LENGTH(v);
        if (n > 0 && p[0] > 0x20 && p[0] < 0x7f && p[n - 1] > 0x20 && p[n - 1] < 0x7f) {
            /* nothing to strip */
            return n == 14 && strncasecmp((const char *)p, "requires login", 14) == 0;
        }
    }
    PyObject *r = PyObject_CallOneArg(c->is_placeholder, v);
    if (r == NULL) return -1;
    int yes = PyObject_IsTrue(r);
    Py_DECREF(r);
    return yes;
}

/* fingerprint(*parts) of str parts: "sha256:" and the first 16 hex digits of the SHA-256 of
 * the parts joined by 0x1f, in UTF-8 (Python's function for text it would have to replace) */
static PyObject *fingerprint_of(sarif_ctx *c, PyObject *parts) {
    buffer b = {NULL, 0, 0};
    Py_ssize_t n = PyList_GET_SIZE(parts);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(parts, i), &size);
        if (data == NULL) {  /* a lone surrogate: "replace" is Python's to apply */
            PyErr_Clear();
            free(b.data);
            PyObject *args = PyList_AsTuple(parts);
            if (args == NULL) return NULL;
            PyObject *r = PyObject_Call(c->fingerprint, args, NULL);
            Py_DECREF(args);
            return r;
        }
        if ((i > 0 && buf_put(&b, "\x1f", 1) < 0) || buf_put(&b, data, (size_t)size) < 0) {
            free(b.data);
            return PyErr_NoMemory();
        }
    }
    unsigned char digest[HASH];
    sha256(b.data ? b.data : (const unsigned char *)"", b.len, digest);
    free(b.data);
    char text[7 + 16];
    memcpy(text, "sha256:", 7);
    for (int i = 0; i < 8; i++) {
        text[7 + 2 * i] = HEX[digest[i] >> 4];
        text[8 + 2 * i] = HEX[digest[i] & 15];
    }
    return PyUnicode_FromStringAndSize(text, sizeof text);
}

/* _fast_fingerprint: *out the fingerprint; BAIL when the result needs the full path */
static int fingerprint_for(sarif_ctx *c, PyObject *r, PyObject *rule_id, const place *where,
                           PyObject **out) {
    *out = NULL;
    PyObject *fields[2] = {s_fingerprints_key, s_partial_key};
    for (int f = 0; f < 2; f++) {
        PyObject *prints = PyDict_GetItemWithError(r, fields[f]);
        if (prints == NULL && PyErr_Occurred()) return -1;
        if (is_mapping(prints) && PyDict_GET_SIZE(prints) > 0) {  /* type(prints) is dict */
            PyObject *keys = PyDict_Keys(prints);
            if (keys == NULL || PyList_Sort(keys) < 0) {
                Py_XDECREF(keys);
                return -1;
            }
            PyObject *parts = PyList_New(1);
            if (parts == NULL) {
                Py_DECREF(keys);
                return -1;
            }
            PyList_SET_ITEM(parts, 0, Py_NewRef(rule_id));
            int rc = 0;
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys) && rc == 0; i++) {
                PyObject *k = PyList_GET_ITEM(keys, i);
                PyObject *v = PyDict_GetItemWithError(prints, k);
                if (v == NULL) {
                    rc = -1;
                    break;
                }
                if (PyDict_CheckExact(v)) continue;
                PyObject *text;
                if ((rc = plain_text(c, v, &text)) != 0) break;
                int skip = placeholder(c, text);
                if (skip < 0) rc = -1;
                if (skip == 0) {
                    PyObject *pair = PyUnicode_FromFormat("%U=%U", k, text);
                    if (pair == NULL || PyList_Append(parts, pair) < 0) rc = -1;
                    Py_XDECREF(pair);
                }
                Py_DECREF(text);
            }
            Py_DECREF(keys);
            if (rc == 0 && PyList_GET_SIZE(parts) > 1) {
                *out = fingerprint_of(c, parts);
                rc = *out == NULL ? -1 : 0;
                Py_DECREF(parts);
                return rc;
            }
            Py_DECREF(parts);
            if (rc != 0) return rc;
        } else if (prints != NULL && prints != Py_None && !PyDict_CheckExact(prints)) {
            return BAIL;
        }
    }
    PyObject *parts;
    if (where == NULL) {
        parts = PyList_New(1);
        if (parts == NULL) return -1;
        PyList_SET_ITEM(parts, 0, Py_NewRef(rule_id));
    } else {
        PyObject *line = PyUnicode_FromFormat("%lld", where->line);
        PyObject *col = PyUnicode_FromFormat("%lld", where->column);
        parts = line == NULL || col == NULL ? NULL : PyList_New(4);
        if (parts != NULL) {
            PyList_SET_ITEM(parts, 0, Py_NewRef(rule_id));
            PyList_SET_ITEM(parts, 1, Py_NewRef(where->path));
            PyList_SET_ITEM(parts, 2, Py_NewRef(line));
            PyList_SET_ITEM(parts, 3, Py_NewRef(col));
        }
        Py_XDECREF(line);
        Py_XDECREF(col);
        if (parts == NULL) return -1;
    }
    *out = fingerprint_of(c, parts);
    Py_DECREF(parts);
    return *out == NULL ? -1 : 0;
}

/* dict.get(key) as a borrowed reference (NULL when absent, or with an exception set) */
static PyObject *member(PyObject *d, PyObject *key) { return PyDict_GetItemWithError(d, key); }

/* The SARIF severity chain of one result, through golive.evidence.sarif._severity, its
 * answer kept for the next result with the same inputs when it added no note. */
static PyObject *severity_of(sarif_ctx *c, PyObject *result_ss, PyObject *facts, PyObject *level,
                             PyObject *origin, PyObject *rule_id) {
    PyObject *rule_ss = facts == NULL ? Py_None : PyTuple_GET_ITEM(facts, 2);
    PyObject *label_claim = facts == NULL ? Py_None : PyTuple_GET_ITEM(facts, 3);
    PyObject *facts_id = PyLong_FromVoidPtr(facts);
    if (facts_id == NULL) return NULL;
    PyObject *key = PyTuple_Pack(4, result_ss, facts_id, level, origin);
    Py_DECREF(facts_id);
    if (key == NULL) return NULL;
    PyObject *found = PyDict_GetItemWithError(c->severities, key);
    if (found != NULL) {
        Py_DECREF(key);
        return Py_NewRef(found);
    }
    int hashable = 1;
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
            Py_DECREF(key);
            return NULL;
        }
        PyErr_Clear();  /* an unhashable (malformed) security-severity: no caching */
        hashable = 0;
    }
    Py_ssize_t notes_before = PyList_GET_SIZE(c->notes);
    PyObject *where = PyUnicode_FromFormat("%U: %U", c->label, rule_id);
    PyObject *severity = where == NULL ? NULL
                                       : PyObject_CallFunctionObjArgs(
                                             c->severity, result_ss, rule_ss, label_claim, level,
                                             origin, where, c->notes, NULL);
    Py_XDECREF(where);
    if (severity != NULL && hashable && PyList_GET_SIZE(c->notes) == notes_before &&
        PyDict_SetItem(c->severities, key, severity) < 0)
        Py_CLEAR(severity);
    Py_DECREF(key);
    return severity;
}

/* One result: 0 with *out a Finding, BAIL, or -1 with an exception set. */
static int one_result(sarif_ctx *c, PyObject *r, PyObject **out) {
    *out = NULL;
    if (!is_mapping(r)) return BAIL;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(r, &pos, &k, &v)) {
        int known = PySet_Contains(c->fast_keys, k);
        if (known <= 0) return known < 0 ? -1 : BAIL;
    }
    PyObject *raw_id = member(r, s_rule_id_key);
    if (raw_id == NULL || !PyUnicode_CheckExact(raw_id) || PyUnicode_GET_LENGTH(raw_id) == 0)
        return PyErr_Occurred() ? -1 : BAIL;
    PyObject *rule_id = NULL, *level = NULL, *title = NULL, *location = NULL, *print = NULL,
             *severity = NULL, *text = NULL;
    PyObject *facts = NULL, *origin;
    int rc = -1;
    if ((rule_id = clean_text(c, raw_id)) == NULL) goto done;
    long long index;
    rc = integer_of(c, member(r, s_rule_index_key), -1, &index);
    if (rc < 0) goto done;
    if (rc == BAIL) index = -1;  /* past 2**63: no rule has that index */
    rc = -1;
    PyObject *by_index = NULL;
    if (index >= 0 && index < PyList_GET_SIZE(c->by_index))
        by_index = PyList_GET_ITEM(c->by_index, (Py_ssize_t)index);
    PyObject *by_id = PyDict_GetItemWithError(c->by_id, rule_id);
    if (by_id == NULL && PyErr_Occurred()) goto done;
    if (by_index != NULL) {
        if (by_index == c->bail) goto bail;
        int same = PyUnicode_Compare(PyTuple_GET_ITEM(by_index, 0), rule_id);
        if (same == -1 && PyErr_Occurred()) goto done;
        if (same != 0) goto bail;  /* the full path notes the disagreement */
        facts = by_index;
    } else if (by_id != NULL) {
        if (by_id == c->bail) goto bail;
        facts = by_id;
    }

    PyObject *raw_level = member(r, s_level_key);
    if (raw_level == NULL && PyErr_Occurred()) goto done;
    origin = s_result;
    if (raw_level != NULL && raw_level != Py_None) {
        if (!PyUnicode_CheckExact(raw_level)) goto bail;
        if ((level = clean_text(c, raw_level)) == NULL) goto done;
        if (PyUnicode_GET_LENGTH(level) == 0) Py_CLEAR(level);
    }
    if (level == NULL && facts != NULL && PyTuple_GET_ITEM(facts, 1) != Py_None) {
        level = Py_NewRef(PyTuple_GET_ITEM(facts, 1));
        origin = s_rule_default;
    }
    if (level == NULL) {
        level = Py_NewRef(s_warning);
        origin = s_sarif_default;
    }
    int known = PySet_Contains(c->levels, level);
    if (known <= 0) {
        if (known < 0) goto done;
        goto bail;  /* the full path notes it */
    }

    PyObject *message = member(r, s_message_key);
    PyObject *raw_text = is_mapping(message) ? member(message, s_text_key) : NULL;
    if (PyErr_Occurred()) goto done;
    if (raw_text == NULL || !PyUnicode_CheckExact(raw_text) || PyUnicode_GET_LENGTH(raw_text) == 0)
        goto bail;  /* taken from the rule by the full path */
    if (c->vuln_ids != Py_None) {
        PyObject *ids = PyObject_CallOneArg(c->vuln_ids, rule_id);
        if (ids == NULL) goto done;
        int any = PyObject_IsTrue(ids);
        Py_DECREF(ids);
        if (any < 0) goto done;
        if (any) goto bail;
    }
    place where;
    PyObject *locations = member(r, s_locations_key);
    if (locations == NULL && PyErr_Occurred()) goto done;
    if ((rc = location_of(c, locations, &location, &where)) != 0) goto done;
    if ((rc = fingerprint_for(c, r, rule_id, where.path ? &where : NULL, &print)) != 0) goto done;
    rc = -1;
    PyObject *props = member(r, s_properties_key);
    PyObject *result_ss = is_mapping(props) ? member(props, s_security_severity_key) : NULL;
    if (PyErr_Occurred()) goto done;
    severity = severity_of(c, result_ss ? result_ss : Py_None, facts, level, origin, rule_id);
    if (severity == NULL) goto done;
    if ((text = clean_text(c, raw_text)) == NULL) goto done;
    if ((title = PyUnicode_Substring(text, 0, 300)) == NULL) goto done;

    PyObject *values[24];
    for (Py_ssize_t i = 0; i < c->finding.count; i++) values[i] = PyTuple_GET_ITEM(c->defaults, i);
    values[0] = c->kind;
    values[1] = c->tool;
    values[2] = c->source;
    values[3] = rule_id;
    values[4] = title;
    values[5] = severity;
    values[6] = location;
    values[10] = print;
    *out = slotted_new(&c->finding, values);
    rc = *out == NULL ? -1 : 0;
    goto done;
bail:
    rc = BAIL;
done:
    Py_XDECREF(rule_id);
    Py_XDECREF(level);
    Py_XDECREF(title);
    Py_XDECREF(text);
    Py_XDECREF(location);
    Py_XDECREF(print);
    Py_XDECREF(severity);
    return rc;
}

const char golive_sarif_results_doc[] =
    "sarif_results(results, context) -> list\n\n"
    "golive.evidence.sarif's fast path over a run's results: for each result, its Finding,\n"
    "or None where the Python paths must read it. context is the tuple that\n"
    "golive.evidence.sarif._compiled_context builds.";

PyObject *golive_sarif_results(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *results, *finding_cls, *finding_names, *location_cls, *location_names;
    sarif_ctx c;
    memset(&c, 0, sizeof c);
    if (!PyArg_ParseTuple(args, "O!(O!O!O!OO!OOOOOOOOUUUO!OO!O!OO!):sarif_results", &PyList_Type,
                          &results, &PyFrozenSet_Type, &c.fast_keys, &PyList_Type, &c.by_index,
                          &PyDict_Type, &c.by_id, &c.bail, &PyFrozenSet_Type, &c.levels,
                          &c.clean, &c.as_integer, &c.path, &c.severity, &c.fingerprint,
                          &c.is_placeholder, &c.vuln_ids, &c.kind, &c.tool, &c.source, &c.label,
                          &PyList_Type, &c.notes, &finding_cls, &PyTuple_Type, &finding_names,
                          &PyTuple_Type, &c.defaults, &location_cls, &PyTuple_Type,
                          &location_names))
        return NULL;
    if (intern_sarif() < 0) return NULL;
    if (slotted_init(&c.finding, finding_cls, finding_names) < 0 ||
        slotted_init(&c.location, location_cls, location_names) < 0)
        return NULL;
    if (PyTuple_GET_SIZE(c.defaults) != c.finding.count || c.finding.count < 11 ||
        c.location.count != 4) {
        PyErr_SetString(PyExc_ValueError, "sarif_results: Finding needs 11 fields or more "
                                          "with a default each, Location 4");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(results);
    PyObject *found = PyList_New(n);
    c.paths = PyDict_New();
    c.severities = PyDict_New();
    if (found == NULL || c.paths == NULL || c.severities == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *finding;
        PyObject *r = Py_NewRef(PyList_GET_ITEM(results, i));  /* a callback may change the list */
        int rc = one_result(&c, r, &finding);
        Py_DECREF(r);
        if (rc < 0) goto fail;
        PyList_SET_ITEM(found, i, rc == BAIL ? Py_NewRef(Py_None) : finding);
        if (PyList_GET_SIZE(results) != n) {
            PyErr_SetString(PyExc_RuntimeError, "sarif_results: the results changed");
            goto fail;
        }
    }
    Py_DECREF(c.paths);
    Py_DECREF(c.severities);
    return found;
fail:
    Py_XDECREF(found);
    Py_XDECREF(c.paths);
    Py_XDECREF(c.severities);
    return NULL;
}

/* ---- facts between processes: pack and unpack ------------------------------------------ */

/* The gate reads large evidence directories in a forked worker too, which sends its facts
 * back. pickle builds each frozen dataclass again through its __init__ (about 2 us each);
 * pack writes a graph of None, bools, ints, floats, str, tuples, lists, dicts, instances of
 * the given slotted dataclasses and members of the given enums into bytes, and unpack
 * builds it again with each instance's slots set directly. An object referenced more than
 * once is written once. Anything else is a TypeError (the caller pickles instead). */

enum {
    P_NONE = 'N', P_TRUE = 'T', P_FALSE = 'F', P_INT = 'i', P_BIGINT = 'l', P_FLOAT = 'd',
    P_STR = 's', P_TUPLE = '(', P_LIST = '[', P_DICT = '{', P_OBJECT = 'o', P_ENUM = 'e',
    P_KEEP = '&', P_REF = 'r',
};

#define PACK_CLASSES 64

typedef struct {
    Py_ssize_t count;
    slotted classes[PACK_CLASSES];
    Py_ssize_t enums;
    PyTypeObject *enum_types[PACK_CLASSES];
    PyObject *members[PACK_CLASSES]; /* a tuple of each enum's members */
} registry;

static int registry_init(registry *r, PyObject *classes, PyObject *enums) {
    if (!PyTuple_Check(classes) || !PyTuple_Check(enums) ||
        PyTuple_GET_SIZE(classes) > PACK_CLASSES || PyTuple_GET_SIZE(enums) > PACK_CLASSES) {
        PyErr_SetString(PyExc_TypeError, "classes and enums: tuples of at most 64");
        return -1;
    }
    r->count = PyTuple_GET_SIZE(classes);
    for (Py_ssize_t i = 0; i < r->count; i++) {
        PyObject *pair = PyTuple_GET_ITEM(classes, i);  /* (class, field names) */
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "each class: (class, field names)");
            return -1;
        }
        if (slotted_init(&r->classes[i], PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0)
            return -1;
    }
    r->enums = PyTuple_GET_SIZE(enums);
    for (Py_ssize_t i = 0; i < r->enums; i++) {
        PyObject *pair = PyTuple_GET_ITEM(enums, i);  /* (enum class, its members) */
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyType_Check(PyTuple_GET_ITEM(pair, 0)) || !PyTuple_Check(PyTuple_GET_ITEM(pair, 1))) {
            PyErr_SetString(PyExc_TypeError, "each enum: (enum class, tuple of its members)");
            return -1;
        }
        r->enum_types[i] = (PyTypeObject *)PyTuple_GET_ITEM(pair, 0);
        r->members[i] = PyTuple_GET_ITEM(pair, 1);
    }
    return 0;
}

typedef struct {
    buffer out;
    registry *reg;
    PyObject *memo; /* id -> index */
    Py_ssize_t kept;
} packer;

static int put_u32(buffer *b, uint32_t v) {
    unsigned char bytes[4] = {(unsigned char)v, (unsigned char)(v >> 8),
                              (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    return buf_put(b, bytes, 4);
}

static int put_tag(packer *p, char tag) { return buf_put(&p->out, &tag, 1); }

static int pack_value(packer *p, PyObject *v, int depth);

static int pack_items(packer *p, char tag, PyObject *const *items, Py_ssize_t n, int depth) {
    if (put_tag(p, tag) < 0 || put_u32(&p->out, (uint32_t)n) < 0) return PyErr_NoMemory(), -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (pack_value(p, items[i], depth + 1) < 0) return -1;
    return 0;
}

/* 1 when v was written as a reference to an earlier copy; 0 when it is to be written (and
 * marked kept if it may come again) */
static int pack_shared(packer *p, PyObject *v) {
    if (Py_REFCNT(v) < 2) return 0;
    PyObject *key = PyLong_FromVoidPtr(v);
    if (key == NULL) return -1;
    PyObject *index = PyDict_GetItemWithError(p->memo, key);
    if (index != NULL) {
        Py_DECREF(key);
        if (put_tag(p, P_REF) < 0 || put_u32(&p->out, (uint32_t)PyLong_AsSsize_t(index)) < 0)
            return PyErr_NoMemory(), -1;
        return 1;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return -1;
    }
    PyObject *next = PyLong_FromSsize_t(p->kept++);
    int rc = next == NULL ? -1 : PyDict_SetItem(p->memo, key, next);
    Py_XDECREF(next);
    Py_DECREF(key);
    if (rc < 0) return -1;
    return put_tag(p, P_KEEP) < 0 ? (PyErr_NoMemory(), -1) : 0;
}

static int pack_value(packer *p, PyObject *v, int depth) {
    if (depth > 100) {
        PyErr_SetString(PyExc_ValueError, "pack: nested too deeply");
        return -1;
    }
    if (v == Py_None) return put_tag(p, P_NONE) < 0 ? (PyErr_NoMemory(), -1) : 0;
    if (v == Py_True) return put_tag(p, P_TRUE) < 0 ? (PyErr_NoMemory(), -1) : 0;
    if (v == Py_False) return put_tag(p, P_FALSE) < 0 ? (PyErr_NoMemory(), -1) : 0;
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (n == -1 && PyErr_Occurred()) return -1;
        if (!overflow) {
            unsigned char bytes[8];
            for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)((unsigned long long)n >> (8 * i));
            return put_tag(p, P_INT) < 0 || buf_put(&p->out, bytes, 8) < 0 ? (PyErr_NoMemory(), -1)
                                                                            : 0;
        }
        PyObject *text = PyObject_Str(v);
        if (text == NULL) return -1;
        Py_ssize_t size;
        const char *data = PyUnicode_AsUTF8AndSize(text, &size);
        int rc = data == NULL ? -1
                 : put_tag(p, P_BIGINT) < 0 || put_u32(&p->out, (uint32_t)size) < 0 ||
                         buf_put(&p->out, data, (size_t)size) < 0
                     ? (PyErr_NoMemory(), -1)
                     : 0;
        Py_DECREF(text);
        return rc;
    }
    if (PyFloat_CheckExact(v)) {
        double d = PyFloat_AS_DOUBLE(v);
        return put_tag(p, P_FLOAT) < 0 || buf_put(&p->out, &d, sizeof d) < 0 ? (PyErr_NoMemory(), -1)
                                                                             : 0;
    }
    if (PyUnicode_CheckExact(v)) {
        int shared = pack_shared(p, v);
        if (shared != 0) return shared < 0 ? -1 : 0;
        Py_ssize_t size;
        PyObject *holder = NULL;
        const char *data = utf8_of(v, &size, &holder);
        if (data == NULL) return -1;
        int rc = put_tag(p, P_STR) < 0 || put_u32(&p->out, (uint32_t)size) < 0 ||
                         buf_put(&p->out, data, (size_t)size) < 0
                     ? (PyErr_NoMemory(), -1)
                     : 0;
        Py_XDECREF(holder);
        return rc;
    }
    if (PyTuple_CheckExact(v)) {
        int shared = PyTuple_GET_SIZE(v) ? pack_shared(p, v) : 0;
        if (shared != 0) return shared < 0 ? -1 : 0;
        return pack_items(p, P_TUPLE, &PyTuple_GET_ITEM(v, 0), PyTuple_GET_SIZE(v), depth);
    }
    if (PyList_CheckExact(v))
        return pack_items(p, P_LIST, PySequence_Fast_ITEMS(v), PyList_GET_SIZE(v), depth);
    if (PyDict_CheckExact(v)) {
        if (put_tag(p, P_DICT) < 0 || put_u32(&p->out, (uint32_t)PyDict_GET_SIZE(v)) < 0)
            return PyErr_NoMemory(), -1;
        PyObject *k, *item;
        Py_ssize_t pos = 0;
        while (PyDict_Next(v, &pos, &k, &item))
            if (pack_value(p, k, depth + 1) < 0 || pack_value(p, item, depth + 1) < 0) return -1;
        return 0;
    }
    registry *r = p->reg;
    for (Py_ssize_t i = 0; i < r->count; i++) {
        const slotted *s = &r->classes[i];
        if (Py_TYPE(v) != s->type) continue;
        int shared = pack_shared(p, v);
        if (shared != 0) return shared < 0 ? -1 : 0;
        unsigned char index = (unsigned char)i;
        if (put_tag(p, P_OBJECT) < 0 || buf_put(&p->out, &index, 1) < 0) return PyErr_NoMemory(), -1;
        for (Py_ssize_t f = 0; f < s->count; f++) {
            PyObject *field = *(PyObject **)((char *)v + s->offsets[f]);
            if (field == NULL) {
                PyErr_Format(PyExc_TypeError, "pack: a %.80s with an unset field", s->type->tp_name);
                return -1;
            }
            if (pack_value(p, field, depth + 1) < 0) return -1;
        }
        return 0;
    }
    for (Py_ssize_t i = 0; i < r->enums; i++) {
        if (Py_TYPE(v) != r->enum_types[i]) continue;
        PyObject *members = r->members[i];
        for (Py_ssize_t m = 0; m < PyTuple_GET_SIZE(members) && m < 256; m++) {
            if (PyTuple_GET_ITEM(members, m) != v) continue;
            unsigned char bytes[3] = {P_ENUM, (unsigned char)i, (unsigned char)m};
            return buf_put(&p->out, bytes, 3) < 0 ? (PyErr_NoMemory(), -1) : 0;
        }
    }
    PyErr_Format(PyExc_TypeError, "pack: cannot pack a %.80s", Py_TYPE(v)->tp_name);
    return -1;
}

const char golive_pack_doc[] =
    "pack(value, classes, enums) -> bytes\n\n"
    "value written for unpack: classes is a tuple of (slotted dataclass, field names), enums\n"
    "a tuple of (enum class, tuple of its members). TypeError for anything else.";

PyObject *golive_pack(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *value, *classes, *enums;
    if (!PyArg_ParseTuple(args, "OO!O!:pack", &value, &PyTuple_Type, &classes, &PyTuple_Type,
                          &enums))
        return NULL;
    registry reg;
    if (registry_init(&reg, classes, enums) < 0) return NULL;
    packer p = {{NULL, 0, 0}, &reg, PyDict_New(), 0};
    if (p.memo == NULL) return NULL;
    PyObject *result = NULL;
    if (pack_value(&p, value, 0) == 0)
        result = PyBytes_FromStringAndSize(p.out.data ? (const char *)p.out.data : "",
                                           (Py_ssize_t)p.out.len);
    free(p.out.data);
    Py_DECREF(p.memo);
    return result;
}

typedef struct {
    const unsigned char *p, *end;
    registry *reg;
    PyObject *kept; /* list */
} unpacker;

static PyObject *truncated(void) {
    PyErr_SetString(PyExc_ValueError, "unpack: the data is cut short or not packed");
    return NULL;
}

static int take_u32(unpacker *u, uint32_t *v) {
    if (u->end - u->p < 4) return truncated(), -1;
    *v = (uint32_t)u->p[0] | (uint32_t)u->p[1] << 8 | (uint32_t)u->p[2] << 16 |
         (uint32_t)u->p[3] << 24;
    u->p += 4;
    return 0;
}

static PyObject *unpack_value(unpacker *u, int depth) {
    if (depth > 100 || u->p >= u->end) return truncated();
    unsigned char tag = *u->p++;
    uint32_t n;
    switch (tag) {
        case P_NONE: Py_RETURN_NONE;
        case P_TRUE: Py_RETURN_TRUE;
        case P_FALSE: Py_RETURN_FALSE;
        case P_INT: {
            if (u->end - u->p < 8) return truncated();
            unsigned long long x = 0;
            for (int i = 0; i < 8; i++) x |= (unsigned long long)u->p[i] << (8 * i);
            u->p += 8;
            return PyLong_FromLongLong((long long)x);
        }
        case P_BIGINT: {
            if (take_u32(u, &n) < 0 || (uint32_t)(u->end - u->p) < n) return truncated();
            PyObject *text = PyUnicode_DecodeASCII((const char *)u->p, n, "strict");
            u->p += n;
            if (text == NULL) return NULL;
            PyObject *v = PyLong_FromUnicodeObject(text, 10);
            Py_DECREF(text);
            return v;
        }
        case P_FLOAT: {
            double d;
            if (u->end - u->p < (Py_ssize_t)sizeof d) return truncated();
            memcpy(&d, u->p, sizeof d);
            u->p += sizeof d;
            return PyFloat_FromDouble(d);
        }
        case P_STR: {
            if (take_u32(u, &n) < 0 || (uint32_t)(u->end - u->p) < n) return truncated();
            PyObject *v = PyUnicode_DecodeUTF8((const char *)u->p, n, "surrogatepass");
            u->p += n;
            return v;
        }
        case P_TUPLE:
        case P_LIST: {
            if (take_u32(u, &n) < 0 || (uint32_t)(u->end - u->p) < n) return truncated();
            PyObject *v = tag == P_TUPLE ? PyTuple_New(n) : PyList_New(n);
            if (v == NULL) return NULL;
            for (uint32_t i = 0; i < n; i++) {
                PyObject *item = unpack_value(u, depth + 1);
                if (item == NULL) {
                    Py_DECREF(v);
                    return NULL;
                }
                if (tag == P_TUPLE)
                    PyTuple_SET_ITEM(v, i, item);
                else
                    PyList_SET_ITEM(v, i, item);
            }
            return v;
        }
        case P_DICT: {
            if (take_u32(u, &n) < 0 || (uint32_t)(u->end - u->p) < n) return truncated();
            PyObject *v = PyDict_New();
            for (uint32_t i = 0; v != NULL && i < n; i++) {
                PyObject *k = unpack_value(u, depth + 1);
                PyObject *item = k == NULL ? NULL : unpack_value(u, depth + 1);
                if (item == NULL || PyDict_SetItem(v, k, item) < 0) Py_CLEAR(v);
                Py_XDECREF(k);
                Py_XDECREF(item);
            }
            return v;
        }
        case P_OBJECT: {
            if (u->p >= u->end || *u->p >= u->reg->count) return truncated();
            const slotted *s = &u->reg->classes[*u->p++];
            PyObject *fields[24] = {NULL};
            PyObject *v = NULL;
            Py_ssize_t f = 0;
            for (; f < s->count; f++)
                if ((fields[f] = unpack_value(u, depth + 1)) == NULL) break;
            if (f == s->count) v = slotted_new(s, fields);
            for (Py_ssize_t i = 0; i < f; i++) Py_DECREF(fields[i]);
            return v;
        }
        case P_ENUM: {
            if (u->end - u->p < 2 || u->p[0] >= u->reg->enums) return truncated();
            PyObject *members = u->reg->members[u->p[0]];
            unsigned char m = u->p[1];
            u->p += 2;
            if (m >= PyTuple_GET_SIZE(members)) return truncated();
            return Py_NewRef(PyTuple_GET_ITEM(members, m));
        }
        case P_KEEP: {
            Py_ssize_t slot = PyList_GET_SIZE(u->kept);
            if (PyList_Append(u->kept, Py_None) < 0) return NULL;
            PyObject *v = unpack_value(u, depth + 1);
            if (v != NULL) PyList_SetItem(u->kept, slot, Py_NewRef(v));
            return v;
        }
        case P_REF: {
            if (take_u32(u, &n) < 0) return NULL;
            if (n >= (uint32_t)PyList_GET_SIZE(u->kept)) return truncated();
            return Py_NewRef(PyList_GET_ITEM(u->kept, n));
        }
        default:
            return truncated();
    }
}

const char golive_unpack_doc[] =
    "unpack(data, classes, enums) -> value\n\n"
    "The value pack wrote into data, with the same classes and enums.";

PyObject *golive_unpack(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    PyObject *classes, *enums;
    if (!PyArg_ParseTuple(args, "y*O!O!:unpack", &data, &PyTuple_Type, &classes, &PyTuple_Type,
                          &enums))
        return NULL;
    registry reg;
    PyObject *value = NULL;
    unpacker u = {data.buf, (const unsigned char *)data.buf + data.len, &reg, PyList_New(0)};
    if (u.kept != NULL && registry_init(&reg, classes, enums) == 0) {
        value = unpack_value(&u, 0);
        if (value != NULL && u.p != u.end) {
            Py_CLEAR(value);
            truncated();
        }
    }
    Py_XDECREF(u.kept);
    PyBuffer_Release(&data);
    return value;
}

/* ---- instances of slotted dataclasses, many at once ------------------------------------ */

const char golive_instances_doc[] =
    "instances(cls, names, rows) -> list\n\n"
    "An instance of cls (a slotted dataclass whose fields are names, in order) for each row\n"
    "that is a tuple of one value per field, its slots set directly without __init__; any\n"
    "other row is kept as it is.";

PyObject *golive_instances(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cls, *names, *rows;
    if (!PyArg_ParseTuple(args, "OO!O!:instances", &cls, &PyTuple_Type, &names, &PyList_Type,
                          &rows))
        return NULL;
    slotted s;
    if (slotted_init(&s, cls, names) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(rows);
    PyObject *out = PyList_New(n);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        PyObject *item;
        if (!PyTuple_CheckExact(row)) {
            item = Py_NewRef(row);
        } else if (PyTuple_GET_SIZE(row) != s.count) {
            PyErr_Format(PyExc_ValueError, "instances: a row of %zd values for %zd fields",
                         PyTuple_GET_SIZE(row), s.count);
            Py_DECREF(out);
            return NULL;
        } else if ((item = slotted_new(&s, &PyTuple_GET_ITEM(row, 0))) == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    return out;
}

/* ---- JUnit: the records of plain test cases -------------------------------------------- */

static PyObject *j_tag, *j_attrib, *j_testcase, *j_status, *j_classname, *j_name, *j_file,
    *j_time, *j_comma, *j_unnamed;

static int intern_junit(void) {
    if (j_unnamed != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(j_tag, "tag") NAME(j_attrib, "attrib") NAME(j_testcase, "testcase")
    NAME(j_status, "status") NAME(j_classname, "classname") NAME(j_name, "name")
    NAME(j_file, "file") NAME(j_time, "time") NAME(j_comma, ",")
    NAME(j_unnamed, "(unnamed test)")
#undef NAME
    return 0;
}

/* _attr: clean(value) for a non-empty str, else NULL with no exception; -1 on error */
static int junit_attr(PyObject *clean, PyObject *attrib, PyObject *name, PyObject **out) {
    *out = NULL;
    PyObject *value = PyDict_GetItemWithError(attrib, name);
    if (value == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyUnicode_CheckExact(value)) return 1; /* not what the parser gives: Python reads it */
    if (PyUnicode_GET_LENGTH(value) == 0) return 0;
    if (PyUnicode_IS_ASCII(value)) {
        const unsigned char *p = PyUnicode_1BYTE_DATA(value);
        Py_ssize_t n = PyUnicode_GET_LENGTH(value), i = 0;
        while (i < n && p[i] >= 0x20 && p[i] < 0x7f) i++;
        if (i == n) {
            *out = Py_NewRef(value);
            return 0;
        }
    }
    *out = PyObject_CallOneArg(clean, value);
    return *out == NULL ? -1 : 0;
}

/* _time: float(value without commas) when finite, else None */
static PyObject *junit_time(PyObject *attrib) {
    PyObject *value = PyDict_GetItemWithError(attrib, j_time);
    if (value == NULL) return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    PyObject *text = PyUnicode_Replace(value, j_comma, s_empty, -1);
    if (text == NULL) return NULL;
    PyObject *parsed = PyFloat_FromString(text);
    Py_DECREF(text);
    if (parsed == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError)) return NULL;
        PyErr_Clear();
        return Py_NewRef(Py_None);
    }
    if (!isfinite(PyFloat_AS_DOUBLE(parsed))) {
        Py_DECREF(parsed);
        return Py_NewRef(Py_None);
    }
    return parsed;
}

/* 0: *out is the record of a plain case; 1: not plain (None); -1: error */
static int junit_record(const slotted *record, PyObject *clean, PyObject *passed,
                        PyObject *zero, PyObject *case_, PyObject *suite, PyObject *where,
                        PyObject **out) {
    *out = NULL;
    PyObject *tag = PyObject_GetAttr(case_, j_tag);
    if (tag == NULL) return -1;
    int is_case = PyUnicode_CheckExact(tag) && PyUnicode_Compare(tag, j_testcase) == 0;
    Py_DECREF(tag);
    if (!is_case) return 1;
    Py_ssize_t children = PyObject_Length(case_);
    if (children != 0) return children < 0 ? -1 : 1;
    PyObject *attrib = PyObject_GetAttr(case_, j_attrib);
    if (attrib == NULL) return -1;
    if (!PyDict_CheckExact(attrib)) {
        Py_DECREF(attrib);
        return 1;
    }
    int status = 0;
    PyObject *classname = NULL, *name = NULL, *file = NULL, *time = NULL;
    PyObject *state = PyDict_GetItemWithError(attrib, j_status);
    if (state != NULL) {
        status = 1; /* a status: the Python reader decides what it means */
    } else if (PyErr_Occurred()) {
        status = -1;
    } else if ((status = junit_attr(clean, attrib, j_classname, &classname)) == 0 &&
               (status = junit_attr(clean, attrib, j_name, &name)) == 0 &&
               (status = junit_attr(clean, attrib, j_file, &file)) == 0) {
        if ((time = junit_time(attrib)) == NULL) status = -1;
    }
    if (status == 0) {
        PyObject *values[9] = {suite,
                               classname ? classname : s_empty,
                               name ? name : j_unnamed,
                               file ? file : where,
                               time,
                               passed,
                               s_empty,
                               Py_None,
                               zero};
        if ((*out = slotted_new(record, values)) == NULL) status = -1;
    }
    Py_DECREF(attrib);
    Py_XDECREF(classname);
    Py_XDECREF(name);
    Py_XDECREF(file);
    Py_XDECREF(time);
    return status;
}

const char golive_junit_records_doc[] =
    "junit_records(children, suite, where, context) -> (list, int)\n\n"
    "For each element of children (a suite's), the reader's record of a plain test case:\n"
    "a <testcase> without namespace, child elements or status; None for any other element.\n"
    "context is (_Record, its field names, TestOutcome.PASSED, clean). Also the number of\n"
    "records.";

PyObject *golive_junit_records(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *children, *suite, *where, *record_cls, *names, *passed, *clean;
    if (!PyArg_ParseTuple(args, "O!UO(OO!OO):junit_records", &PyList_Type, &children, &suite,
                          &where, &record_cls, &PyTuple_Type, &names, &passed, &clean))
        return NULL;
    if (intern_junit() < 0 || intern_sarif() < 0) return NULL;
    if (PyTuple_GET_SIZE(names) != 9) {
        PyErr_SetString(PyExc_TypeError, "junit_records: a record has 9 fields");
        return NULL;
    }
    slotted record;
    if (slotted_init(&record, record_cls, names) < 0) return NULL;
    PyObject *zero = PyLong_FromLong(0);
    if (zero == NULL) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(children), found = 0;
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *rec, *child = Py_NewRef(PyList_GET_ITEM(children, i));
        int status = junit_record(&record, clean, passed, zero, child, suite, where, &rec);
        Py_DECREF(child);
        if (status < 0) {
            Py_CLEAR(out);
            break;
        }
        if (status == 0) found++;
        PyList_SET_ITEM(out, i, status == 0 ? rec : Py_NewRef(Py_None));
    }
    Py_DECREF(zero);
    if (out == NULL) return NULL;
    return Py_BuildValue("(Nn)", out, found);
}
