/* Native helpers for walking libclang ASTs: a Python-level walk of function bodies costs
 * ~12 us per node (0.5 s for z_actor.c); this does it in C. Built on first use with the
 * system C compiler against the libclang the Python bindings load (no clang headers needed:
 * the few types used are declared here with libclang's stable C ABI). */
#include <stdlib.h>
#include <string.h>

typedef struct { int kind; int xdata; const void *data[3]; } CXCursor;
typedef struct { const void *data; unsigned private_flags; } CXString;
typedef void *CXClientData;
typedef int (*CXCursorVisitor)(CXCursor, CXCursor, CXClientData);

extern unsigned clang_visitChildren(CXCursor, CXCursorVisitor, CXClientData);
extern CXCursor clang_getCursorReferenced(CXCursor);
extern int clang_Cursor_isNull(CXCursor);
extern CXString clang_getCursorSpelling(CXCursor);
extern const char *clang_getCString(CXString);
extern void clang_disposeString(CXString);

enum { K_ENUM_CONST = 7, K_FUNCTION = 8, K_DECLREF = 101, K_CALL = 103 };
enum { V_BREAK = 0, V_CONTINUE = 1, V_RECURSE = 2 };

typedef struct { char *buf; size_t len, cap; } Out;

static void put(Out *o, const char *s) {
    size_t n = strlen(s);
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->buf = realloc(o->buf, o->cap);
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

static void put_spelling(Out *o, CXCursor c) {
    CXString s = clang_getCursorSpelling(c);
    const char *p = clang_getCString(s);
    put(o, p ? p : "");
    clang_disposeString(s);
}

typedef struct { Out *out; int depth; } ArgCtx;

/* enum constants named OBJECT_* anywhere inside a call's argument */
static int arg_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    ArgCtx *a = (ArgCtx *)d;
    (void)parent;
    if (c.kind == K_CALL) return V_CONTINUE;
    if (c.kind == K_DECLREF) {
        CXCursor r = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(r) && r.kind == K_ENUM_CONST) {
            CXString s = clang_getCursorSpelling(r);
            const char *p = clang_getCString(s);
            if (p && strncmp(p, "OBJECT_", 7) == 0) {
                put(a->out, "\tO:");
                put(a->out, p);
            }
            clang_disposeString(s);
        }
        return V_CONTINUE;
    }
    return V_RECURSE;
}

static int body_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    Out *o = (Out *)d;
    (void)parent;
    if (c.kind == K_CALL) {
        CXCursor r = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(r) && r.kind == K_FUNCTION) {
            put(o, "C\t");
            put_spelling(o, r);
            ArgCtx a = {o, 0};
            clang_visitChildren(c, arg_visitor, &a);
            put(o, "\n");
        } else {
            put(o, "I\n");
        }
    }
    return V_RECURSE;
}

/* Calls in a function body: one line each, "C\t<callee>[\tO:OBJECT_X...]" or "I" (indirect). */
char *ootkg_calls(CXCursor fn) {
    Out o = {NULL, 0, 0};
    put(&o, "");
    clang_visitChildren(fn, body_visitor, &o);
    return o.buf;
}

void ootkg_free(char *p) { free(p); }

/* Top-level declarations with the file each is spelled in, so Python only wraps the ones it
 * wants (a Python loop over ~4,000 header declarations per TU costs ~50 ms). */
typedef struct { const void *ptr_data[2]; unsigned int_data; } CXSourceLocation;
typedef void *CXFile;
extern CXSourceLocation clang_getCursorLocation(CXCursor);
extern void clang_getExpansionLocation(CXSourceLocation, CXFile *, unsigned *, unsigned *,
                                       unsigned *);

typedef struct {
    CXCursor *out;
    int *file_of;
    int n, max;
    CXFile *files;
    int n_files, max_files;
    const unsigned char *skip; /* skip[file index] != 0: leave out */
} TopCtx;

static int top_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    TopCtx *t = (TopCtx *)d;
    CXFile f = 0;
    (void)parent;
    clang_getExpansionLocation(clang_getCursorLocation(c), &f, 0, 0, 0);
    int idx = -1;
    for (int i = t->n_files - 1; i >= 0; i--) {
        if (t->files[i] == f) { idx = i; break; }
    }
    if (idx < 0) {
        if (t->n_files >= t->max_files) return V_BREAK;
        idx = t->n_files++;
        t->files[idx] = f;
    }
    if (t->n >= t->max) return V_BREAK;
    t->out[t->n] = c;
    t->file_of[t->n] = idx;
    t->n++;
    return V_CONTINUE;
}

/* Fills out/file_of with every top-level cursor; files[] gets the distinct CXFile handles.
 * Returns the number of cursors (or -1 when a buffer was too small). */
int ootkg_toplevel(CXCursor root, CXCursor *out, int *file_of, int max, CXFile *files,
                   int max_files, int *n_files) {
    TopCtx t = {out, file_of, 0, max, files, 0, max_files, 0};
    unsigned broke = clang_visitChildren(root, top_visitor, &t);
    *n_files = t.n_files;
    return broke ? -1 : t.n;
}

extern CXString clang_getFileName(CXFile);

/* The name of a file handle into buf (NUL-terminated, truncated to n-1 bytes). */
int ootkg_file_name(CXFile f, char *buf, int n) {
    if (!f) { buf[0] = 0; return 0; }
    CXString s = clang_getFileName(f);
    const char *p = clang_getCString(s);
    int len = 0;
    if (p) {
        len = (int)strlen(p);
        if (len > n - 1) len = n - 1;
        memcpy(buf, p, len);
    }
    buf[len] = 0;
    clang_disposeString(s);
    return len;
}
