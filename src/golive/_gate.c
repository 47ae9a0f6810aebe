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

/* "<loc.path>:<loc.line>" when the first finding has a location with a path, else None */
static PyObject *location_text(PyObject *first) {
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
    text = PyUnicode_FromFormat("%S:%S", path, line);
done:
    Py_DECREF(loc);
    Py_XDECREF(path);
    Py_XDECREF(line);
    return text;
}

/* The values of a view that folds nothing, into values[]: 1 when done, 0 when the view needs
 * _values() (several findings, fix versions or suppressions), -1 on an error. */
static int simple_values(PyObject *view, PyObject **values) {
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
    if ((values[10] = location_text(first)) == NULL) goto done;
    values[11] = package == Py_None ? PyTuple_New(0) : GET(issue, s_packages);
    if (values[11] == NULL) goto done;
    if ((values[12] = PyTuple_New(0)) == NULL) goto done;
    if ((values[13] = or_none(GET(first, s_fingerprint))) == NULL) goto done;
    /* Issue.sources of one finding */
    PyObject *only = PyUnicode_FromFormat("%S (%S)", tool, source);
    if (only == NULL) goto done;
    values[14] = PyTuple_Pack(1, only);
    Py_DECREF(only);
    if (values[14] == NULL) goto done;
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
    int rc = -1;
    int simple = simple_values(view, values);
    if (simple < 0) goto done;
    if (simple == 0) {
        for (int i = 0; i < ROW_VALUES; i++) Py_CLEAR(values[i]);
        if (method_values(view, values) < 0) goto done;
    }
    if (buf_put(b, indent, (size_t)indent_len) < 0) goto nomem;
    for (int i = 0; i < ROW_VALUES; i++) {
        if (buf_put(b, parts[i], (size_t)part_len[i]) < 0) goto nomem;
        if (put_value(b, values[i]) < 0) goto done;
    }
    if (buf_put(b, parts[ROW_VALUES], (size_t)part_len[ROW_VALUES]) < 0) goto nomem;
    if ((final ? BUF_LIT(b, "\n") : BUF_LIT(b, ",\n")) < 0) goto nomem;
    rc = 0;
    goto done;
nomem:
    PyErr_NoMemory();
done:
    for (int i = 0; i < ROW_VALUES; i++) Py_XDECREF(values[i]);
    return rc;
}

const char golive_finding_rows_doc[] =
    "finding_rows(views, indent, last, parts) -> str\n\n"
    "The rows of write_rows(views, indent, last): each view's row() after indent, then ',\\n'\n"
    "(or '\\n' after the last view when last is true). parts are the 19 pieces of the row\n"
    "around its 18 values (_ROW_TEXT split at each %s).";

PyObject *golive_finding_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views, *indent_obj, *parts_obj;
    int last;
    if (!PyArg_ParseTuple(args, "OUpO!:finding_rows", &views, &indent_obj, &last, &PyTuple_Type,
                          &parts_obj))
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
