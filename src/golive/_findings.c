/* golive._native, the decision's per-finding work: folding findings into issues.
 *
 * merge_issues does what golive.core.dedupe.merge does in Python, for the findings the
 * Python code has already tied together by vulnerability id (it passes a function giving each
 * vulnerability's group): findings are grouped on the same keys, in the same order; a group of
 * one finding without ids becomes an Issue built here, any other group is built by the Python
 * function it is given; the issues are sorted by severity rank (highest first), then key, and
 * keep their order where both are equal. tests/gate/test_merge_native.py compares the two.
 */
#include "_native.h"

static PyObject *m_kind, *m_tool, *m_rule_id, *m_location, *m_fingerprint, *m_ids, *m_severity,
    *m_level, *m_path, *m_line, *m_column, *m_value_, *m_key, *m_at, *m_colon, *m_empty_tuple;

static int intern_merge(void) {
    if (m_empty_tuple != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(m_kind, "kind") NAME(m_tool, "tool") NAME(m_rule_id, "rule_id")
    NAME(m_location, "location") NAME(m_fingerprint, "fingerprint") NAME(m_ids, "ids")
    NAME(m_severity, "severity") NAME(m_level, "level") NAME(m_path, "path")
    NAME(m_line, "line") NAME(m_column, "column") NAME(m_value_, "_value_") NAME(m_key, "key")
    NAME(m_at, "@") NAME(m_colon, ":")
#undef NAME
    if ((m_empty_tuple = PyTuple_New(0)) == NULL) return -1;
    return 0;
}

/* the strings parts[0..n) joined */
static PyObject *concat(PyObject *const *parts, int n) {
    Py_ssize_t length = 0;
    Py_UCS4 widest = 0;
    for (int i = 0; i < n; i++) {
        length += PyUnicode_GET_LENGTH(parts[i]);
        Py_UCS4 most = PyUnicode_MAX_CHAR_VALUE(parts[i]);
        if (most > widest) widest = most;
    }
    PyObject *text = PyUnicode_New(length, widest);
    if (text == NULL) return NULL;
    Py_ssize_t at = 0;
    for (int i = 0; i < n; i++) {
        if (PyUnicode_CopyCharacters(text, at, parts[i], 0, PyUnicode_GET_LENGTH(parts[i])) < 0) {
            Py_DECREF(text);
            return NULL;
        }
        at += PyUnicode_GET_LENGTH(parts[i]);
    }
    return text;
}

/* Finding.key for a finding without ids: rule_id, or "rule_id@path:line" with a location.
 * Computed here when the parts are plain (str, and an int or None line), else by the
 * property itself. */
static PyObject *finding_key(PyObject *f, PyObject *rule_id, PyObject *location) {
    if (!PyUnicode_CheckExact(rule_id)) return PyObject_GetAttr(f, m_key);
    if (location == Py_None) return Py_NewRef(rule_id);
    PyObject *path = PyObject_GetAttr(location, m_path);
    if (path == NULL) return NULL;
    PyObject *line = PyObject_GetAttr(location, m_line);
    if (line == NULL) {
        Py_DECREF(path);
        return NULL;
    }
    PyObject *key, *line_text;
    if (PyUnicode_CheckExact(path) && (line == Py_None || PyLong_CheckExact(line))) {
        key = NULL;
        if ((line_text = PyObject_Str(line)) != NULL) {
            PyObject *parts[5] = {rule_id, m_at, path, m_colon, line_text};
            key = concat(parts, 5);
            Py_DECREF(line_text);
        }
    } else {
        key = PyObject_GetAttr(f, m_key);
    }
    Py_DECREF(path);
    Py_DECREF(line);
    return key;
}

/* the group of a finding that is not a vulnerability with ids:
 * (kind._value_, tool, rule_id, (path, line, column) or None, fingerprint) */
static PyObject *plain_group(PyObject *f, PyObject *kind, PyObject *location) {
    PyObject *where, *value = NULL, *tool = NULL, *rule_id = NULL, *fingerprint = NULL,
                     *group = NULL;
    if (location == Py_None) {
        where = Py_NewRef(Py_None);
    } else {
        PyObject *path = PyObject_GetAttr(location, m_path);
        PyObject *line = path ? PyObject_GetAttr(location, m_line) : NULL;
        PyObject *column = line ? PyObject_GetAttr(location, m_column) : NULL;
        where = column ? PyTuple_Pack(3, path, line, column) : NULL;
        Py_XDECREF(path);
        Py_XDECREF(line);
        Py_XDECREF(column);
        if (where == NULL) return NULL;
    }
    if ((value = PyObject_GetAttr(kind, m_value_)) != NULL &&
        (tool = PyObject_GetAttr(f, m_tool)) != NULL &&
        (rule_id = PyObject_GetAttr(f, m_rule_id)) != NULL &&
        (fingerprint = PyObject_GetAttr(f, m_fingerprint)) != NULL)
        group = PyTuple_Pack(5, value, tool, rule_id, where, fingerprint);
    Py_DECREF(where);
    Py_XDECREF(value);
    Py_XDECREF(tool);
    Py_XDECREF(rule_id);
    Py_XDECREF(fingerprint);
    return group;
}

typedef struct {
    long rank;
    PyObject *key; /* borrowed from the issue */
    Py_ssize_t index;
} sort_item;

static int by_rank_then_key(const void *a, const void *b) {
    const sort_item *x = a, *y = b;
    if (x->rank != y->rank) return x->rank > y->rank ? -1 : 1;
    int c;
    if (PyUnicode_KIND(x->key) == PyUnicode_1BYTE_KIND &&
        PyUnicode_KIND(y->key) == PyUnicode_1BYTE_KIND) {
        /* Latin-1 text: code point order is byte order */
        Py_ssize_t nx = PyUnicode_GET_LENGTH(x->key), ny = PyUnicode_GET_LENGTH(y->key);
        c = memcmp(PyUnicode_1BYTE_DATA(x->key), PyUnicode_1BYTE_DATA(y->key),
                   (size_t)(nx < ny ? nx : ny));
        if (c == 0) c = (nx > ny) - (nx < ny);
    } else {
        c = PyUnicode_Compare(x->key, y->key); /* exact str: cannot fail */
    }
    if (c != 0) return c;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* the issues sorted in place by rank (highest first), then key, stable; -1 with TypeError
 * for a key that is not a str or a level without a rank */
static int sort_issues(PyObject *issues, PyObject *ranks) {
    Py_ssize_t n = PyList_GET_SIZE(issues);
    sort_item *items = PyMem_Malloc(sizeof(sort_item) * (size_t)(n ? n : 1));
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int status = 0;
    for (Py_ssize_t i = 0; i < n && status == 0; i++) {
        PyObject *issue = PyList_GET_ITEM(issues, i);
        PyObject *key = PyObject_GetAttr(issue, m_key);
        PyObject *severity = key ? PyObject_GetAttr(issue, m_severity) : NULL;
        PyObject *level = severity ? PyObject_GetAttr(severity, m_level) : NULL;
        PyObject *rank = NULL; /* by identity: an enum member's hash is Python code */
        for (Py_ssize_t r = 0; level != NULL && r < PyTuple_GET_SIZE(ranks); r++) {
            PyObject *pair = PyTuple_GET_ITEM(ranks, r);
            if (PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2 &&
                PyTuple_GET_ITEM(pair, 0) == level)
                rank = PyTuple_GET_ITEM(pair, 1);
        }
        if (rank == NULL || !PyLong_CheckExact(rank) || !PyUnicode_CheckExact(key)) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "merge_issues: an issue it cannot sort");
            status = -1;
        } else {
            items[i].rank = PyLong_AsLong(rank);
            items[i].key = key; /* the issue holds it */
            items[i].index = i;
            if (items[i].rank == -1 && PyErr_Occurred()) status = -1;
        }
        Py_XDECREF(key);
        Py_XDECREF(severity);
        Py_XDECREF(level);
    }
    if (status == 0) {
        qsort(items, (size_t)n, sizeof(sort_item), by_rank_then_key);
        PyObject **order = PyMem_Malloc(sizeof(PyObject *) * (size_t)(n ? n : 1));
        if (order == NULL) {
            PyErr_NoMemory();
            status = -1;
        } else {
            for (Py_ssize_t i = 0; i < n; i++) order[i] = PyList_GET_ITEM(issues, items[i].index);
            for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(issues, i, order[i]);
            PyMem_Free(order);
        }
    }
    PyMem_Free(items);
    return status;
}

/* groups: key -> a finding, or a list of two or more, in first-seen order */
static PyObject *group_findings(PyObject *items, PyObject *vulnerability, PyObject *vuln_group) {
    PyObject *groups = PyDict_New();
    if (groups == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *f = Py_NewRef(PyList_GET_ITEM(items, i)); /* held while Python code runs */
        PyObject *group = NULL, *location = NULL;
        PyObject *kind = PyObject_GetAttr(f, m_kind);
        PyObject *ids = kind ? PyObject_GetAttr(f, m_ids) : NULL;
        int has_ids = ids ? PyObject_IsTrue(ids) : -1;
        if (has_ids >= 0) {
            if (kind == vulnerability && has_ids)
                group = PyObject_CallOneArg(vuln_group, f);
            else if ((location = PyObject_GetAttr(f, m_location)) != NULL)
                group = plain_group(f, kind, location);
        }
        Py_XDECREF(kind);
        Py_XDECREF(ids);
        Py_XDECREF(location);
        if (group == NULL) {
            Py_DECREF(f);
            goto fail;
        }
        /* a group's value is its one finding, or the list of its findings */
        PyObject *members = PyDict_GetItemWithError(groups, group);
        int status;
        if (members == NULL) {
            status = PyErr_Occurred() ? -1 : PyDict_SetItem(groups, group, f);
        } else if (PyList_CheckExact(members)) {
            status = PyList_Append(members, f);
        } else if ((members = PyList_New(2)) == NULL) {
            status = -1;
        } else {
            PyList_SET_ITEM(members, 0, Py_NewRef(PyDict_GetItem(groups, group)));
            PyList_SET_ITEM(members, 1, Py_NewRef(f));
            status = PyDict_SetItem(groups, group, members);
            Py_DECREF(members);
        }
        Py_DECREF(group);
        Py_DECREF(f);
        if (status < 0) goto fail;
    }
    return groups;
fail:
    Py_DECREF(groups);
    return NULL;
}

/* the issue of a group: built here for one finding without ids, else by make_issue */
static PyObject *issue_of(PyObject *members, const slotted *issue, PyObject *make_issue) {
    if (PyList_CheckExact(members)) return PyObject_CallOneArg(make_issue, members);
    PyObject *only = members;
    PyObject *ids = PyObject_GetAttr(only, m_ids);
    if (ids == NULL) return NULL;
    int has_ids = PyObject_IsTrue(ids);
    Py_DECREF(ids);
    if (has_ids < 0) return NULL;
    if (has_ids) {
        PyObject *list = PyList_New(1);
        if (list == NULL) return NULL;
        PyList_SET_ITEM(list, 0, Py_NewRef(only));
        PyObject *built = PyObject_CallOneArg(make_issue, list);
        Py_DECREF(list);
        return built;
    }
    PyObject *values[5] = {NULL, NULL, m_empty_tuple, NULL, NULL};
    PyObject *rule_id = NULL, *location = NULL, *result = NULL;
    if ((values[1] = PyObject_GetAttr(only, m_kind)) != NULL &&
        (values[3] = PyObject_GetAttr(only, m_severity)) != NULL &&
        (values[4] = PyTuple_Pack(1, only)) != NULL &&
        (rule_id = PyObject_GetAttr(only, m_rule_id)) != NULL &&
        (location = PyObject_GetAttr(only, m_location)) != NULL &&
        (values[0] = finding_key(only, rule_id, location)) != NULL)
        result = slotted_new(issue, values);
    Py_XDECREF(values[0]);
    Py_XDECREF(values[1]);
    Py_XDECREF(values[3]);
    Py_XDECREF(values[4]);
    Py_XDECREF(rule_id);
    Py_XDECREF(location);
    return result;
}

const char golive_merge_issues_doc[] =
    "merge_issues(findings, context) -> list\n\n"
    "golive.core.dedupe.merge over a list of findings: their issues, sorted. context is\n"
    "(Issue, Issue's field names, FindingKind.VULNERABILITY, vulnerability_group(finding),\n"
    "make_issue(members), ((Severity, rank), ...)).";

PyObject *golive_merge_issues(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *items, *issue_cls, *issue_names, *vulnerability, *vuln_group, *make_issue, *ranks;
    if (!PyArg_ParseTuple(args, "O!(OO!OOOO!):merge_issues", &PyList_Type, &items, &issue_cls,
                          &PyTuple_Type, &issue_names, &vulnerability, &vuln_group, &make_issue,
                          &PyTuple_Type, &ranks))
        return NULL;
    if (intern_merge() < 0) return NULL;
    static const char *const expected[] = {"key", "kind", "ids", "severity", "findings"};
    if (PyTuple_GET_SIZE(issue_names) != 5) goto bad_names;
    for (Py_ssize_t i = 0; i < 5; i++) {
        PyObject *name = PyTuple_GET_ITEM(issue_names, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, expected[i]) != 0)
            goto bad_names;
    }
    slotted issue;
    if (slotted_init(&issue, issue_cls, issue_names) < 0) return NULL;
    PyObject *groups = group_findings(items, vulnerability, vuln_group);
    if (groups == NULL) return NULL;
    PyObject *issues = PyList_New(PyDict_GET_SIZE(groups));
    if (issues == NULL) {
        Py_DECREF(groups);
        return NULL;
    }
    Py_ssize_t pos = 0, i = 0;
    PyObject *group, *members;
    while (PyDict_Next(groups, &pos, &group, &members)) {
        PyObject *built = issue_of(members, &issue, make_issue);
        if (built == NULL) {
            Py_DECREF(groups);
            Py_DECREF(issues);
            return NULL;
        }
        PyList_SET_ITEM(issues, i++, built);
    }
    Py_DECREF(groups);
    if (sort_issues(issues, ranks) < 0) {
        Py_DECREF(issues);
        return NULL;
    }
    return issues;
bad_names:
    PyErr_SetString(PyExc_TypeError,
                    "merge_issues: Issue's fields must be key, kind, ids, severity, findings");
    return NULL;
}

/* ---- the security check: which issues count, and the views of those within the limit ---- */

static PyObject *c_findings, *c_withdrawn, *c_baseline_state, *c_vex, *c_suppressions,
    *c_rank, *c_empty;

static int intern_counting(void) {
    if (c_empty != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(c_findings, "findings") NAME(c_withdrawn, "withdrawn")
    NAME(c_baseline_state, "baseline_state") NAME(c_vex, "vex")
    NAME(c_suppressions, "suppressions") NAME(c_rank, "rank") NAME(c_empty, "")
#undef NAME
    return 0;
}

/* security._plain: one finding, not withdrawn, no baseline state, VEX or suppression;
 * 1 or 0, -1 on error */
static int plain_issue(PyObject *issue) {
    PyObject *findings = PyObject_GetAttr(issue, c_findings);
    if (findings == NULL) return -1;
    Py_ssize_t n = PyObject_Length(findings);
    int plain = n == 1 ? 1 : (n < 0 ? -1 : 0);
    PyObject *only = plain == 1 ? PySequence_GetItem(findings, 0) : NULL;
    Py_DECREF(findings);
    if (plain != 1) return plain;
    if (only == NULL) return -1;
    PyObject *value;
    if ((value = PyObject_GetAttr(only, c_withdrawn)) == NULL) goto fail;
    plain = PyObject_Not(value);
    Py_DECREF(value);
    if (plain == 1) {
        if ((value = PyObject_GetAttr(only, c_baseline_state)) == NULL) goto fail;
        plain = value == Py_None;
        Py_DECREF(value);
    }
    if (plain == 1) {
        if ((value = PyObject_GetAttr(only, c_vex)) == NULL) goto fail;
        plain = value == Py_None;
        Py_DECREF(value);
    }
    if (plain == 1) {
        if ((value = PyObject_GetAttr(only, c_suppressions)) == NULL) goto fail;
        plain = PyObject_Not(value);
        Py_DECREF(value);
    }
    Py_DECREF(only);
    return plain;
fail:
    Py_DECREF(only);
    return -1;
}

const char golive_counted_issues_doc[] =
    "counted_issues(issues, unknown) -> (list, list)\n\n"
    "For each issue, (issue, its severity level, '') where the issue is plain (one finding,\n"
    "nothing that could keep it from counting) and its level is not unknown, else None; and\n"
    "the (position, issue) of every None.";

PyObject *golive_counted_issues(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *issues, *unknown;
    if (!PyArg_ParseTuple(args, "O!O:counted_issues", &PyList_Type, &issues, &unknown))
        return NULL;
    if (intern_merge() < 0 || intern_counting() < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(issues);
    PyObject *counted = PyList_New(n), *others = PyList_New(0);
    if (counted == NULL || others == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *issue = PyList_GET_ITEM(issues, i), *entry = NULL;
        PyObject *severity = PyObject_GetAttr(issue, m_severity);
        PyObject *level = severity ? PyObject_GetAttr(severity, m_level) : NULL;
        Py_XDECREF(severity);
        if (level == NULL) goto fail;
        int plain = level == unknown ? 0 : plain_issue(issue);
        if (plain == 1) {
            entry = PyTuple_Pack(3, issue, level, c_empty);
        } else if (plain == 0) {
            PyObject *other = Py_BuildValue("(nO)", i, issue);
            if (other != NULL && PyList_Append(others, other) == 0) entry = Py_NewRef(Py_None);
            Py_XDECREF(other);
        }
        Py_DECREF(level);
        if (entry == NULL) goto fail;
        PyList_SET_ITEM(counted, i, entry);
    }
    return Py_BuildValue("(NN)", counted, others);
fail:
    Py_XDECREF(counted);
    Py_XDECREF(others);
    return NULL;
}

const char golive_views_within_doc[] =
    "views_within(counted, context) -> (list, list)\n\n"
    "For each (issue, severity, note) of counted, FindingView(part, issue, severity, allowed,\n"
    "None, note) when severity.rank < limit and not over_count, else None; and the positions\n"
    "of the None. context is (FindingView, its field names, part, limit, over_count,\n"
    "allowed).";

PyObject *golive_views_within(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *counted, *view_cls, *names, *part, *allowed;
    long limit;
    int over_count;
    if (!PyArg_ParseTuple(args, "O!(OO!OlpO):views_within", &PyList_Type, &counted, &view_cls,
                          &PyTuple_Type, &names, &part, &limit, &over_count, &allowed))
        return NULL;
    if (intern_counting() < 0) return NULL;
    static const char *const expected[] = {"part", "issue", "severity", "status", "waiver",
                                           "note"};
    if (PyTuple_GET_SIZE(names) != 6) goto bad_names;
    for (Py_ssize_t i = 0; i < 6; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, expected[i]) != 0)
            goto bad_names;
    }
    slotted view;
    if (slotted_init(&view, view_cls, names) < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(counted);
    PyObject *views = PyList_New(n), *above = PyList_New(0);
    if (views == NULL || above == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(counted, i), *item = NULL;
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3) {
            PyErr_SetString(PyExc_TypeError, "views_within: (issue, severity, note) expected");
            goto fail;
        }
        PyObject *severity = PyTuple_GET_ITEM(entry, 1);
        int within = 0;
        if (!over_count) {
            PyObject *rank = PyObject_GetAttr(severity, c_rank);
            if (rank == NULL) goto fail;
            long value = PyLong_AsLong(rank);
            Py_DECREF(rank);
            if (value == -1 && PyErr_Occurred()) goto fail;
            within = value < limit;
        }
        if (within) {
            PyObject *values[6] = {part, PyTuple_GET_ITEM(entry, 0), severity, allowed, Py_None,
                                   PyTuple_GET_ITEM(entry, 2)};
            item = slotted_new(&view, values);
        } else {
            PyObject *position = PyLong_FromSsize_t(i);
            if (position != NULL && PyList_Append(above, position) == 0)
                item = Py_NewRef(Py_None);
            Py_XDECREF(position);
        }
        if (item == NULL) goto fail;
        PyList_SET_ITEM(views, i, item);
    }
    return Py_BuildValue("(NN)", views, above);
fail:
    Py_XDECREF(views);
    Py_XDECREF(above);
    return NULL;
bad_names:
    PyErr_SetString(PyExc_TypeError,
                    "views_within: FindingView's fields must be part, issue, severity, status, "
                    "waiver, note");
    return NULL;
}
