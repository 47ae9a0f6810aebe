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
    *m_level, *m_path, *m_line, *m_column, *m_value_, *m_key, *m_empty_tuple;

static int intern_merge(void) {
    if (m_empty_tuple != NULL) return 0;
#define NAME(var, text) \
    if ((var = PyUnicode_InternFromString(text)) == NULL) return -1;
    NAME(m_kind, "kind") NAME(m_tool, "tool") NAME(m_rule_id, "rule_id")
    NAME(m_location, "location") NAME(m_fingerprint, "fingerprint") NAME(m_ids, "ids")
    NAME(m_severity, "severity") NAME(m_level, "level") NAME(m_path, "path")
    NAME(m_line, "line") NAME(m_column, "column") NAME(m_value_, "_value_") NAME(m_key, "key")
#undef NAME
    if ((m_empty_tuple = PyTuple_New(0)) == NULL) return -1;
    return 0;
}

/* names (a tuple) is exactly expected[0..n) */
static int fields_are(PyObject *names, const char *const *expected, Py_ssize_t n) {
    if (PyTuple_GET_SIZE(names) != n) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, expected[i]) != 0)
            return 0;
    }
    return 1;
}

typedef struct {
    long rank;
    uint64_t prefix; /* a Latin-1 key's first 8 bytes, big-endian, zero-padded */
    int latin1;
    PyObject *key;   /* borrowed from the issue */
    Py_ssize_t index;
} sort_item;

static int by_rank_then_key(const void *a, const void *b) {
    const sort_item *x = a, *y = b;
    if (x->rank != y->rank) return x->rank > y->rank ? -1 : 1;
    int c;
    if (x->latin1 && y->latin1) {
        /* byte order is code point order; padding with zeros keeps it where prefixes differ */
        if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
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

/* the sort item of an issue with this key and level (borrowed); -1 with TypeError for a key
 * that is not a str or a level without a rank */
static int sort_item_of(sort_item *it, Py_ssize_t index, PyObject *key, PyObject *level,
                        PyObject *ranks) {
    PyObject *rank = NULL; /* by identity: an enum member's hash is Python code */
    for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(ranks); r++) {
        PyObject *pair = PyTuple_GET_ITEM(ranks, r);
        if (PyTuple_CheckExact(pair) && PyTuple_GET_SIZE(pair) == 2 &&
            PyTuple_GET_ITEM(pair, 0) == level)
            rank = PyTuple_GET_ITEM(pair, 1);
    }
    if (rank == NULL || !PyLong_CheckExact(rank) || !PyUnicode_CheckExact(key)) {
        PyErr_SetString(PyExc_TypeError, "merge_issues: an issue it cannot sort");
        return -1;
    }
    it->rank = PyLong_AsLong(rank);
    if (it->rank == -1 && PyErr_Occurred()) return -1;
    it->key = key; /* the issue holds it */
    it->index = index;
    it->latin1 = PyUnicode_KIND(key) == PyUnicode_1BYTE_KIND;
    it->prefix = 0;
    if (it->latin1) {
        const unsigned char *d = PyUnicode_1BYTE_DATA(key);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        for (int k = 0; k < 8; k++) it->prefix = (it->prefix << 8) | (k < len ? d[k] : 0);
    }
    return 0;
}

/* the sort item of an issue built in Python */
static int sort_item_of_issue(sort_item *it, Py_ssize_t index, PyObject *issue,
                              PyObject *ranks) {
    PyObject *key = PyObject_GetAttr(issue, m_key);
    PyObject *severity = key ? PyObject_GetAttr(issue, m_severity) : NULL;
    PyObject *level = severity ? PyObject_GetAttr(severity, m_level) : NULL;
    int status = level ? sort_item_of(it, index, key, level, ranks) : -1;
    Py_XDECREF(key);
    Py_XDECREF(severity);
    Py_XDECREF(level);
    return status;
}

/* issues put in the order of items, sorted by rank (highest first), then key, stably */
static int sort_in_place(PyObject *issues, sort_item *items) {
    Py_ssize_t n = PyList_GET_SIZE(issues);
    qsort(items, (size_t)n, sizeof(sort_item), by_rank_then_key);
    PyObject **order = PyMem_Malloc(sizeof(PyObject *) * (size_t)(n ? n : 1));
    if (order == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) order[i] = PyList_GET_ITEM(issues, items[i].index);
    for (Py_ssize_t i = 0; i < n; i++) PyList_SET_ITEM(issues, i, order[i]);
    PyMem_Free(order);
    return 0;
}

/* Findings grouped in first-seen order, without building a key per finding: a group is
 * either a vulnerability's (its key, the object vulnerability_group gave) or a plain one,
 * whose key is the tuple (kind._value_, tool, rule_id, (path, line, column) or None,
 * fingerprint) that the Python merge builds; its parts are kept and compared part by part
 * with ==, as tuples compare, under a hash combined from theirs. */
#define PARTS 7

typedef struct {
    PyObject *key;          /* a vulnerability's group, or NULL */
    PyObject *part[PARTS];  /* kind value, tool, rule_id, path, line, column, fingerprint */
    int located;            /* path, line and column are set */
    PyObject *kind, *severity, *ikey; /* of a plain group's first finding; ikey: its key when
                                         made here, else NULL */
    Py_hash_t hash;
    Py_ssize_t first, last, count; /* its findings: first, then next[] */
} group_t;

typedef struct {
    group_t *groups;
    Py_ssize_t count;
    Py_ssize_t *next;  /* per finding: the next one of its group, or -1 */
    Py_ssize_t *slots; /* hash table: group index + 1, 0 for none */
    size_t mask;
} grouping;

static void group_clear(group_t *g) {
    Py_CLEAR(g->key);
    Py_CLEAR(g->kind);
    Py_CLEAR(g->severity);
    Py_CLEAR(g->ikey);
    for (int k = 0; k < PARTS; k++) Py_CLEAR(g->part[k]);
}

static void grouping_free(grouping *g) {
    for (Py_ssize_t i = 0; g->groups != NULL && i < g->count; i++) group_clear(&g->groups[i]);
    PyMem_Free(g->groups);
    PyMem_Free(g->next);
    PyMem_Free(g->slots);
}

static Py_hash_t mix(Py_hash_t h, Py_hash_t part) {
    Py_uhash_t x = (Py_uhash_t)h ^ ((Py_uhash_t)part + 0x9e3779b97f4a7c15ULL + ((Py_uhash_t)h << 6) +
                                  ((Py_uhash_t)h >> 2));
    return (Py_hash_t)x;
}

/* 1 equal, 0 not, -1 error */
static int same_group(const group_t *a, const group_t *b) {
    if (a->hash != b->hash || (a->key == NULL) != (b->key == NULL)) return 0;
    if (a->key != NULL) return PyObject_RichCompareBool(a->key, b->key, Py_EQ);
    if (a->located != b->located) return 0;
    for (int k = 0; k < PARTS; k++) {
        if (!a->located && k >= 3 && k <= 5) continue;
        int eq = PyObject_RichCompareBool(a->part[k], b->part[k], Py_EQ);
        if (eq <= 0) return eq;
    }
    return 1;
}

/* Finding.key of a plain group's finding without ids, "rule_id" or "rule_id@path:line",
 * from its parts when they are a str rule_id and path and an int (or None) line; else NULL
 * with no exception (the property makes it) */
static PyObject *plain_key(const group_t *g) {
    PyObject *rule_id = g->part[2], *path = g->part[3], *line = g->part[4];
    if (!PyUnicode_CheckExact(rule_id)) return NULL;
    if (!g->located) return Py_NewRef(rule_id);
    if (!PyUnicode_CheckExact(path)) return NULL;
    char digits[32];
    int nd;
    if (line == Py_None) {
        nd = snprintf(digits, sizeof digits, "None");
    } else if (PyLong_CheckExact(line)) {
        int overflow;
        long long value = PyLong_AsLongLongAndOverflow(line, &overflow);
        if (overflow || (value == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return NULL;
        }
        nd = snprintf(digits, sizeof digits, "%lld", value);
    } else {
        return NULL;
    }
    Py_ssize_t nr = PyUnicode_GET_LENGTH(rule_id), np = PyUnicode_GET_LENGTH(path);
    Py_UCS4 widest = PyUnicode_MAX_CHAR_VALUE(rule_id);
    if (PyUnicode_MAX_CHAR_VALUE(path) > widest) widest = PyUnicode_MAX_CHAR_VALUE(path);
    PyObject *key = PyUnicode_New(nr + 1 + np + 1 + nd, widest < 127 ? 127 : widest);
    if (key == NULL) return NULL;
    int kind = PyUnicode_KIND(key);
    void *data = PyUnicode_DATA(key);
    if (PyUnicode_CopyCharacters(key, 0, rule_id, 0, nr) < 0 ||
        PyUnicode_CopyCharacters(key, nr + 1, path, 0, np) < 0) {
        Py_DECREF(key);
        return NULL;
    }
    PyUnicode_WRITE(kind, data, nr, '@');
    PyUnicode_WRITE(kind, data, nr + 1 + np, ':');
    for (int k = 0; k < nd; k++) PyUnicode_WRITE(kind, data, nr + 2 + np + k, digits[k]);
    return key;
}

/* the parts and hash of finding f's group, into *g */
static int group_of(PyObject *f, PyObject *vulnerability, PyObject *vuln_group, group_t *g) {
    memset(g, 0, sizeof *g);
    PyObject *kind = PyObject_GetAttr(f, m_kind);
    if (kind == NULL) return -1;
    PyObject *ids = PyObject_GetAttr(f, m_ids);
    int has_ids = ids ? PyObject_IsTrue(ids) : -1;
    Py_XDECREF(ids);
    if (has_ids < 0) {
        Py_DECREF(kind);
        return -1;
    }
    if (kind == vulnerability && has_ids) {
        Py_DECREF(kind);
        if ((g->key = PyObject_CallOneArg(vuln_group, f)) == NULL) return -1;
        return (g->hash = PyObject_Hash(g->key)) == -1 ? -1 : 0;
    }
    g->kind = kind;
    g->part[0] = PyObject_GetAttr(kind, m_value_);
    PyObject *location = NULL;
    int status = -1;
    if (g->part[0] != NULL && (g->part[1] = PyObject_GetAttr(f, m_tool)) != NULL &&
        (g->part[2] = PyObject_GetAttr(f, m_rule_id)) != NULL &&
        (g->part[6] = PyObject_GetAttr(f, m_fingerprint)) != NULL &&
        (location = PyObject_GetAttr(f, m_location)) != NULL) {
        g->located = location != Py_None;
        if (!g->located ||
            ((g->part[3] = PyObject_GetAttr(location, m_path)) != NULL &&
             (g->part[4] = PyObject_GetAttr(location, m_line)) != NULL &&
             (g->part[5] = PyObject_GetAttr(location, m_column)) != NULL))
            status = 0;
    }
    Py_XDECREF(location);
    if (status == 0 && (g->severity = PyObject_GetAttr(f, m_severity)) == NULL) status = -1;
    if (status == 0 && (g->ikey = plain_key(g)) == NULL && PyErr_Occurred()) status = -1;
    Py_hash_t h = 0x345678;
    for (int k = 0; k < PARTS && status == 0; k++) {
        if (!g->located && k >= 3 && k <= 5) continue;
        Py_hash_t part = PyObject_Hash(g->part[k]);
        if (part == -1) status = -1;
        h = mix(h, part);
    }
    g->hash = h;
    return status;
}

static int group_findings(PyObject *items, PyObject *vulnerability, PyObject *vuln_group,
                          grouping *out) {
    memset(out, 0, sizeof *out);
    Py_ssize_t n = PyList_GET_SIZE(items);
    size_t capacity = 16;
    while (capacity < 2 * (size_t)n) capacity *= 2;
    out->groups = PyMem_Malloc(sizeof(group_t) * (size_t)(n ? n : 1));
    out->next = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n ? n : 1));
    out->slots = PyMem_Calloc(capacity, sizeof(Py_ssize_t));
    out->mask = capacity - 1;
    if (out->groups == NULL || out->next == NULL || out->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        group_t g;
        if (group_of(PyList_GET_ITEM(items, i), vulnerability, vuln_group, &g) < 0) {
            group_clear(&g);
            return -1;
        }
        out->next[i] = -1;
        size_t at = (size_t)g.hash & out->mask;
        for (;;) {
            Py_ssize_t slot = out->slots[at];
            if (slot == 0) { /* a new group */
                g.first = g.last = i;
                g.count = 1;
                out->groups[out->count] = g;
                out->slots[at] = ++out->count;
                break;
            }
            group_t *seen = &out->groups[slot - 1];
            int same = same_group(seen, &g);
            if (same < 0) {
                group_clear(&g);
                return -1;
            }
            if (same) {
                out->next[seen->last] = i;
                seen->last = i;
                seen->count++;
                group_clear(&g);
                break;
            }
            at = (at + 1) & out->mask;
        }
    }
    return 0;
}

/* the issue of a group, and its sort item: built here for one finding without ids, else by
 * make_issue */
static PyObject *issue_of(PyObject *items, const grouping *gr, const group_t *g,
                          const slotted *issue, PyObject *make_issue, PyObject *ranks,
                          sort_item *it, Py_ssize_t index) {
    PyObject *only = PyList_GET_ITEM(items, g->first);
    int has_ids = 1;
    if (g->count == 1 && g->key == NULL) {
        PyObject *ids = PyObject_GetAttr(only, m_ids);
        if (ids == NULL) return NULL;
        has_ids = PyObject_IsTrue(ids);
        Py_DECREF(ids);
        if (has_ids < 0) return NULL;
    }
    PyObject *built = NULL;
    if (g->count > 1 || has_ids) {
        PyObject *members = PyList_New(g->count);
        if (members == NULL) return NULL;
        Py_ssize_t i = g->first;
        for (Py_ssize_t k = 0; k < g->count; k++, i = gr->next[i])
            PyList_SET_ITEM(members, k, Py_NewRef(PyList_GET_ITEM(items, i)));
        built = PyObject_CallOneArg(make_issue, members);
        Py_DECREF(members);
        if (built != NULL && sort_item_of_issue(it, index, built, ranks) < 0) Py_CLEAR(built);
        return built;
    }
    PyObject *values[5] = {g->ikey, g->kind, m_empty_tuple, g->severity, NULL};
    PyObject *key = NULL, *level = NULL;
    if (values[0] == NULL) { /* a key of other parts: the property makes it */
        if ((key = PyObject_GetAttr(only, m_key)) == NULL) goto done;
        values[0] = key;
    }
    if ((values[4] = PyTuple_Pack(1, only)) == NULL) goto done;
    if ((level = PyObject_GetAttr(g->severity, m_level)) == NULL) goto done;
    if ((built = slotted_new(issue, values)) != NULL &&
        sort_item_of(it, index, values[0], level, ranks) < 0)
        Py_CLEAR(built);
done:
    Py_XDECREF(values[4]);
    Py_XDECREF(key);
    Py_XDECREF(level);
    return built;
}

/* link(f) for each vulnerability with ids, before any is grouped (their aliases tie them) */
static int link_vulnerabilities(PyObject *items, PyObject *vulnerability, PyObject *link) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *f = PyList_GET_ITEM(items, i);
        PyObject *kind = PyObject_GetAttr(f, m_kind);
        if (kind == NULL) return -1;
        int vulnerable = kind == vulnerability;
        Py_DECREF(kind);
        if (!vulnerable) continue;
        PyObject *ids = PyObject_GetAttr(f, m_ids);
        int has_ids = ids ? PyObject_IsTrue(ids) : -1;
        Py_XDECREF(ids);
        if (has_ids < 0) return -1;
        if (!has_ids) continue;
        PyObject *done = PyObject_CallOneArg(link, f);
        if (done == NULL) return -1;
        Py_DECREF(done);
    }
    return 0;
}

const char golive_merge_issues_doc[] =
    "merge_issues(findings, context) -> list\n\n"
    "golive.core.dedupe.merge over a list of findings: their issues, sorted. context is\n"
    "(Issue, Issue's field names, FindingKind.VULNERABILITY, link(finding) (called first for\n"
    "each vulnerability with ids), vulnerability_group(finding), make_issue(members),\n"
    "((Severity, rank), ...)).";

PyObject *golive_merge_issues(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *items, *issue_cls, *issue_names, *vulnerability, *link, *vuln_group, *make_issue,
        *ranks;
    if (!PyArg_ParseTuple(args, "O!(OO!OOOOO!):merge_issues", &PyList_Type, &items, &issue_cls,
                          &PyTuple_Type, &issue_names, &vulnerability, &link, &vuln_group,
                          &make_issue, &PyTuple_Type, &ranks))
        return NULL;
    if (intern_merge() < 0) return NULL;
    static const char *const expected[] = {"key", "kind", "ids", "severity", "findings"};
    if (!fields_are(issue_names, expected, 5)) goto bad_names;
    slotted issue;
    if (slotted_init(&issue, issue_cls, issue_names) < 0) return NULL;
    /* the findings are held while Python code (link, vulnerability_group, make_issue) runs */
    PyObject *held = PyList_GetSlice(items, 0, PyList_GET_SIZE(items));
    if (held == NULL) return NULL;
    if (link_vulnerabilities(held, vulnerability, link) < 0) {
        Py_DECREF(held);
        return NULL;
    }
    grouping gr;
    PyObject *issues = NULL;
    sort_item *order = NULL;
    if (group_findings(held, vulnerability, vuln_group, &gr) == 0 &&
        (issues = PyList_New(gr.count)) != NULL) {
        order = PyMem_Malloc(sizeof(sort_item) * (size_t)(gr.count ? gr.count : 1));
        if (order == NULL) {
            PyErr_NoMemory();
            Py_CLEAR(issues);
        }
        for (Py_ssize_t i = 0; issues != NULL && i < gr.count; i++) {
            PyObject *built =
                issue_of(held, &gr, &gr.groups[i], &issue, make_issue, ranks, &order[i], i);
            if (built == NULL) {
                Py_CLEAR(issues);
                break;
            }
            PyList_SET_ITEM(issues, i, built);
        }
    }
    grouping_free(&gr);
    Py_DECREF(held);
    if (issues != NULL && sort_in_place(issues, order) < 0) Py_CLEAR(issues);
    PyMem_Free(order);
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
    if (!fields_are(names, expected, 6)) goto bad_names;
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
