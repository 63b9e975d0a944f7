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
    /* the detailed preprocessing record's directives, macro definitions and expansions are
     * not declarations: a file with only those is not walked (an X-macro table has a
     * declaration only where its includer's macros make one) */
    if (c.kind >= 500 && c.kind <= 503) return V_CONTINUE;
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

/* ---- Declarations in one call ------------------------------------------------------------
 * ``ootkg_describe`` reports every top-level cursor the caller wants (per file: 0 skip,
 * 1 walk, 2 walk a main file, 3 a skipped main file: its function definitions' names only)
 * as text, so Python makes no per-attribute libclang calls (several us each through the
 * bindings; ~10 ms per TU). Entities are separated by RS, fields by US, list items by GS,
 * an item's fields by FS. c_extract.py decodes it into the tuples the Python walk makes;
 * every value follows the Python bindings' definition of the property it stands for. */
typedef struct { int kind; void *data[2]; } CXType;
typedef int (*CXFieldVisitor)(CXCursor, CXClientData);

extern CXType clang_getCursorType(CXCursor);
extern CXString clang_getTypeSpelling(CXType);
extern CXType clang_getPointeeType(CXType);
extern CXType clang_getElementType(CXType);
extern CXType clang_Type_getNamedType(CXType);
extern CXCursor clang_getTypeDeclaration(CXType);
extern CXType clang_getTypedefDeclUnderlyingType(CXCursor);
extern long long clang_Type_getSizeOf(CXType);
extern long long clang_Type_getAlignOf(CXType);
extern long long clang_Cursor_getOffsetOfField(CXCursor);
extern unsigned clang_Type_visitFields(CXType, CXFieldVisitor, CXClientData);
extern unsigned clang_Cursor_isBitField(CXCursor);
extern long long clang_getEnumConstantDeclValue(CXCursor);
extern unsigned long long clang_getEnumConstantDeclUnsignedValue(CXCursor);
extern CXType clang_getEnumDeclIntegerType(CXCursor);
extern int clang_Cursor_getStorageClass(CXCursor);
extern CXType clang_getCursorResultType(CXCursor);
extern int clang_Cursor_getNumArguments(CXCursor);
extern CXCursor clang_Cursor_getArgument(CXCursor, unsigned);
extern unsigned clang_isFunctionTypeVariadic(CXType);
extern unsigned clang_isCursorDefinition(CXCursor);
extern void clang_getInstantiationLocation(CXSourceLocation, CXFile *, unsigned *, unsigned *,
                                           unsigned *);

enum { K_STRUCT = 2, K_UNION = 3, K_ENUM = 5, K_FIELD = 6, K_VAR = 9, K_TYPEDEF = 20 };
enum { T_INVALID = 0, T_CHAR_U = 3, T_UCHAR = 4, T_CHAR16 = 5, T_CHAR32 = 6, T_USHORT = 7,
       T_UINT = 8, T_ULONG = 9, T_ULONGLONG = 10, T_UINT128 = 11, T_POINTER = 101,
       T_RECORD = 105, T_ENUM = 106, T_TYPEDEF = 107, T_FUNCTIONPROTO = 111,
       T_CONSTANTARRAY = 112, T_INCOMPLETEARRAY = 114, T_VARIABLEARRAY = 115,
       T_ELABORATED = 119 };
enum { SC_EXTERN = 2, SC_STATIC = 3 };
#define RS "\x1e"
#define US "\x1f"
#define GS "\x1d"
#define FS "\x1c"

static void put_str(Out *o, CXString s) {
    const char *p = clang_getCString(s);
    put(o, p ? p : "");
    clang_disposeString(s);
}

static void put_ll(Out *o, long long v) {
    char b[32];
    int n = 0, neg = v < 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do { b[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    char r[34];
    int k = 0;
    if (neg) r[k++] = '-';
    while (n) r[k++] = b[--n];
    r[k] = 0;
    put(o, r);
}

static void put_ull(Out *o, unsigned long long u) {
    char b[32], r[32];
    int n = 0, k = 0;
    do { b[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) r[k++] = b[--n];
    r[k] = 0;
    put(o, r);
}

/* a size/alignment/offset: empty when libclang says it has none (negative) */
static void put_size(Out *o, long long v) { if (v >= 0) put_ll(o, v); }

static unsigned line_of(CXCursor c) {
    CXFile f = 0;
    unsigned line = 0, col = 0, off = 0;
    clang_getInstantiationLocation(clang_getCursorLocation(c), &f, &line, &col, &off);
    return line;
}

/* spelling into a caller buffer (NUL-terminated, truncated) */
static void spell(CXCursor c, char *buf, size_t n) {
    CXString s = clang_getCursorSpelling(c);
    const char *p = clang_getCString(s);
    size_t len = p ? strlen(p) : 0;
    if (len > n - 1) len = n - 1;
    if (len) memcpy(buf, p, len);
    buf[len] = 0;
    clang_disposeString(s);
}

static int anonymous_name(const char *s) {
    return !s[0] || strstr(s, "(unnamed") || strstr(s, "(anonymous");
}

/* c_extract._type_target: "S"/"E"/"T" + name of the named struct/enum/typedef a type refers
 * to through pointers, arrays and elaboration; nothing when none. */
static void put_target(Out *o, CXType t) {
    char a[4096], b[4096];
    for (int n = 0; n < 8; n++) {
        int k = t.kind;
        if (k == T_POINTER) t = clang_getPointeeType(t);
        else if (k == T_CONSTANTARRAY || k == T_INCOMPLETEARRAY || k == T_VARIABLEARRAY)
            t = clang_getElementType(t);
        else if (k == T_ELABORATED) t = clang_Type_getNamedType(t);
        else break;
    }
    int k = t.kind;
    if (k == T_TYPEDEF) {
        CXCursor d = clang_getTypeDeclaration(t);
        CXType under = clang_getTypedefDeclUnderlyingType(d);
        if (under.kind == T_ELABORATED) under = clang_Type_getNamedType(under);
        spell(d, a, sizeof a);
        if (under.kind == T_RECORD || under.kind == T_ENUM) {
            CXCursor ud = clang_getTypeDeclaration(under);
            spell(ud, b, sizeof b);
            if (strcmp(a, b) == 0 || anonymous_name(b)) {
                put(o, under.kind == T_ENUM ? "E" : "S");
                put(o, a);
                return;
            }
        }
        put(o, "T");
        put(o, a);
    } else if (k == T_RECORD || k == T_ENUM) {
        spell(clang_getTypeDeclaration(t), a, sizeof a);
        if (!anonymous_name(a)) {
            put(o, k == T_ENUM ? "E" : "S");
            put(o, a);
        }
    }
}

typedef struct {
    Out *o;
    int i, *first;
    long long base;     /* bit offset of the record being visited in the outermost one */
    char prefix[1024];  /* "member." for the members of an anonymous-type member */
} FieldCtx;

extern long long clang_getFieldDeclBitWidth(CXCursor);

/* Every named member, with those of anonymous struct/union members flattened into the
 * enclosing record (an unnamed one's members by their own names, a named one's as
 * "member.inner"), at their offsets from the outermost record. Items: name FS byte offset
 * FS size FS type FS target FS index FS bitfield FS bit offset FS bit width. */
static int field_visitor(CXCursor f, CXClientData d) {
    FieldCtx *fc = (FieldCtx *)d;
    int i = fc->i++;
    char name[1024];
    spell(f, name, sizeof name);
    if (anonymous_name(name)) name[0] = 0; /* "union X::(anonymous at ...)": no name */
    CXType ft = clang_getCursorType(f);
    long long off = clang_Cursor_getOffsetOfField(f);
    long long abs = off >= 0 && fc->base >= 0 ? fc->base + off : -1;
    CXType rt = ft.kind == T_ELABORATED ? clang_Type_getNamedType(ft) : ft;
    int anon_rec = 0;
    if (rt.kind == T_RECORD) {
        char tn[4096];
        spell(clang_getTypeDeclaration(rt), tn, sizeof tn);
        anon_rec = anonymous_name(tn);
    }
    if (name[0]) {
        Out *o = fc->o;
        if (!*fc->first) put(o, GS);
        *fc->first = 0;
        put(o, fc->prefix);
        put(o, name);
        put(o, FS);
        if (abs >= 0) put_ll(o, abs / 8);
        put(o, FS);
        put_size(o, clang_Type_getSizeOf(ft));
        put(o, FS);
        put_str(o, clang_getTypeSpelling(ft));
        put(o, FS);
        put_target(o, ft);
        put(o, FS);
        put_ll(o, i);
        put(o, FS);
        int bf = clang_Cursor_isBitField(f) != 0;
        put(o, bf ? "1" : "");
        put(o, FS);
        if (abs >= 0) put_ll(o, abs);
        put(o, FS);
        if (bf) put_ll(o, clang_getFieldDeclBitWidth(f));
    }
    if (anon_rec) {
        FieldCtx sub;
        sub.o = fc->o;
        sub.i = fc->i;
        sub.first = fc->first;
        sub.base = abs;
        size_t pl = strlen(fc->prefix), nl = strlen(name);
        if (pl + nl + 2 < sizeof sub.prefix) {
            memcpy(sub.prefix, fc->prefix, pl);
            if (nl) {
                memcpy(sub.prefix + pl, name, nl);
                sub.prefix[pl + nl] = '.';
                sub.prefix[pl + nl + 1] = 0;
            } else {
                sub.prefix[pl] = 0;
            }
            clang_Type_visitFields(rt, field_visitor, &sub);
            fc->i = sub.i;
        }
    }
    return 1; /* CXVisit_Continue */
}

/* first and last line (expansion locations) of a cursor's extent: US start US end */
typedef struct { const void *ptr_data[2]; unsigned begin_int_data; unsigned end_int_data; } CXSourceRange;
extern CXSourceRange clang_getCursorExtent(CXCursor);
extern CXSourceLocation clang_getRangeStart(CXSourceRange);
extern CXSourceLocation clang_getRangeEnd(CXSourceRange);

static void put_extent(Out *o, CXCursor c) {
    CXSourceRange r = clang_getCursorExtent(c);
    CXFile f = 0;
    unsigned a = 0, b = 0, col = 0, off = 0;
    clang_getExpansionLocation(clang_getRangeStart(r), &f, &a, &col, &off);
    clang_getExpansionLocation(clang_getRangeEnd(r), &f, &b, &col, &off);
    put(o, US);
    put_ll(o, a);
    put(o, US);
    put_ll(o, b);
}

/* c_extract._record without the name and file: union US size US align US line US fields
 * US start US end */
static void put_record(Out *o, CXCursor c) {
    CXType t = clang_getCursorType(c);
    put(o, c.kind == K_UNION ? "1" : "");
    put(o, US);
    put_size(o, clang_Type_getSizeOf(t));
    put(o, US);
    put_size(o, clang_Type_getAlignOf(t));
    put(o, US);
    put_ll(o, line_of(c));
    put(o, US);
    int first = 1;
    FieldCtx fc;
    fc.o = o;
    fc.i = 0;
    fc.first = &first;
    fc.base = 0;
    fc.prefix[0] = 0;
    clang_Type_visitFields(t, field_visitor, &fc);
    put_extent(o, c);
}

typedef struct { Out *o; int first; } EnumCtx;

static int is_unsigned_kind(int k) {
    return k == T_CHAR_U || k == T_UCHAR || k == T_CHAR16 || k == T_CHAR32 || k == T_USHORT
        || k == T_UINT || k == T_ULONG || k == T_ULONGLONG || k == T_UINT128;
}

static int enum_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    EnumCtx *e = (EnumCtx *)d;
    (void)parent;
    if (c.kind != K_ENUM_CONST) return V_CONTINUE;
    if (!e->first) put(e->o, GS);
    e->first = 0;
    put_spelling(e->o, c);
    put(e->o, FS);
    /* Cursor.enum_value: unsigned when the constant's (enum's integer) type is */
    CXType t = clang_getCursorType(c);
    if (t.kind == T_ENUM) t = clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t));
    if (is_unsigned_kind(t.kind)) put_ull(e->o, clang_getEnumConstantDeclUnsignedValue(c));
    else put_ll(e->o, clang_getEnumConstantDeclValue(c));
    return V_CONTINUE;
}

/* line US constants */
static void put_enum(Out *o, CXCursor c) {
    put_ll(o, line_of(c));
    put(o, US);
    EnumCtx e = {o, 1};
    clang_visitChildren(c, enum_visitor, &e);
}

/* ---- Function bodies ---------------------------------------------------------------------
 * One line per fact, in source order (tab-separated):
 *   C <line> <callee> [O:OBJECT_X ...]           a direct call
 *   I <line>                                      an indirect call
 *   P <line> <callee> <index> <param> <function>  a function passed as an argument
 *   A <line> <function|@param> <struct> <field>   a function (or parameter) stored in a field
 *                                                 (struct ""/field name: a global variable) */
typedef struct { Out *out; CXCursor fn; } BodyCtx;
typedef struct { CXCursor k[2]; int n; } Kids;

enum { K_PARM = 10, K_UNEXPOSED_EXPR = 100, K_MEMBERREF = 102, K_PAREN = 111, K_UNARY = 112,
       K_BINOP = 114, K_CSTYLE_CAST = 117, K_TU = 300 };
enum { BINOP_ASSIGN = 22, UNOP_ADDROF = 5, UNOP_DEREF = 6 };

extern int clang_getCursorBinaryOperatorKind(CXCursor);
extern int clang_getCursorUnaryOperatorKind(CXCursor);
extern CXCursor clang_getCursorSemanticParent(CXCursor);
extern unsigned clang_equalCursors(CXCursor, CXCursor);
extern int clang_Cursor_getNumArguments(CXCursor);
extern CXCursor clang_Cursor_getArgument(CXCursor, unsigned);

static int kids_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    Kids *k = (Kids *)d;
    (void)parent;
    if (k->n < 2) k->k[k->n] = c;
    k->n++;
    return k->n > 2 ? V_BREAK : V_CONTINUE;
}

/* through implicit conversions, parentheses, casts, & and *: the expression underneath */
static CXCursor strip(CXCursor e) {
    for (int i = 0; i < 8; i++) {
        int k = e.kind;
        if (!(k == K_UNEXPOSED_EXPR || k == K_PAREN || k == K_CSTYLE_CAST
              || (k == K_UNARY && (clang_getCursorUnaryOperatorKind(e) == UNOP_ADDROF
                                   || clang_getCursorUnaryOperatorKind(e) == UNOP_DEREF))))
            break;
        Kids kids = {{{0}}, 0};
        clang_visitChildren(e, kids_visitor, &kids);
        if (kids.n < 1 || kids.n > 2) break;
        e = kids.k[kids.n - 1]; /* a cast's type reference comes first */
    }
    return e;
}

/* the function an expression names (1), the enclosing function's parameter it names (2,
 * index in *param), or neither (0) */
static int named_function(CXCursor e, CXCursor fn, CXCursor *out, int *param) {
    e = strip(e);
    if (e.kind != K_DECLREF) return 0;
    CXCursor r = clang_getCursorReferenced(e);
    if (clang_Cursor_isNull(r)) return 0;
    if (r.kind == K_FUNCTION) { *out = r; return 1; }
    if (r.kind == K_PARM) {
        int n = clang_Cursor_getNumArguments(fn);
        for (int i = 0; i < n; i++) {
            if (clang_equalCursors(clang_Cursor_getArgument(fn, (unsigned)i), r)) {
                *param = i;
                return 2;
            }
        }
    }
    return 0;
}

static void put_line_no(Out *o, CXCursor c) {
    put_ll(o, line_of(c));
}

static void put_call(BodyCtx *b, CXCursor c) {
    Out *o = b->out;
    CXCursor r = clang_getCursorReferenced(c);
    int direct = !clang_Cursor_isNull(r) && r.kind == K_FUNCTION;
    if (direct) {
        put(o, "C\t");
        put_line_no(o, c);
        put(o, "\t");
        put_spelling(o, r);
        ArgCtx a = {o, 0};
        clang_visitChildren(c, arg_visitor, &a);
        put(o, "\n");
    } else {
        put(o, "I\t");
        put_line_no(o, c);
        put(o, "\n");
    }
    int na = clang_Cursor_getNumArguments(c);
    int np = direct ? clang_Cursor_getNumArguments(r) : 0;
    for (int i = 0; i < na; i++) {
        CXCursor f;
        int param = -1;
        if (named_function(clang_Cursor_getArgument(c, (unsigned)i), b->fn, &f, &param) != 1)
            continue;
        put(o, "P\t");
        put_line_no(o, c);
        put(o, "\t");
        if (direct) put_spelling(o, r);
        put(o, "\t");
        put_ll(o, i);
        put(o, "\t");
        if (i < np) put_spelling(o, clang_Cursor_getArgument(r, (unsigned)i));
        put(o, "\t");
        put_spelling(o, f);
        put(o, "\n");
    }
}

static void put_assign(BodyCtx *b, CXCursor c) {
    Kids kids = {{{0}}, 0};
    clang_visitChildren(c, kids_visitor, &kids);
    if (kids.n != 2) return;
    CXCursor f;
    int param = -1;
    int got = named_function(kids.k[1], b->fn, &f, &param);
    if (!got) return;
    CXCursor lhs = strip(kids.k[0]);
    CXCursor ref = clang_getCursorReferenced(lhs);
    if (clang_Cursor_isNull(ref)) return;
    char owner[4096] = "";
    if (lhs.kind == K_MEMBERREF && ref.kind == K_FIELD) {
        spell(clang_getCursorSemanticParent(ref), owner, sizeof owner);
        if (anonymous_name(owner)) owner[0] = 0;
    } else if (!(lhs.kind == K_DECLREF && ref.kind == K_VAR
                 && clang_getCursorSemanticParent(ref).kind == K_TU)) {
        return; /* a local variable or an array element */
    }
    Out *o = b->out;
    put(o, "A\t");
    put_line_no(o, c);
    put(o, "\t");
    if (got == 1) {
        put_spelling(o, f);
    } else {
        put(o, "@");
        put_ll(o, param);
    }
    put(o, "\t");
    put(o, owner);
    put(o, "\t");
    put_spelling(o, ref);
    put(o, "\n");
}

static int body_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    BodyCtx *b = (BodyCtx *)d;
    (void)parent;
    if (c.kind == K_CALL) put_call(b, c);
    else if (c.kind == K_BINOP && clang_getCursorBinaryOperatorKind(c) == BINOP_ASSIGN)
        put_assign(b, c);
    return V_RECURSE;
}

/* A function body's facts: the lines above. */
char *ootkg_calls(CXCursor fn) {
    Out o = {NULL, 0, 0};
    put(&o, "");
    BodyCtx b = {&o, fn};
    clang_visitChildren(fn, body_visitor, &b);
    return o.buf;
}

/* the ootkg_calls lines as items: fields FS-separated, items GS-separated */
static void put_calls(Out *o, CXCursor fn) {
    Out tmp = {NULL, 0, 0};
    put(&tmp, "");
    BodyCtx b = {&tmp, fn};
    clang_visitChildren(fn, body_visitor, &b);
    size_t n = tmp.len;
    if (n && tmp.buf[n - 1] == '\n') tmp.buf[--n] = 0;
    for (size_t i = 0; i < n; i++) {
        if (tmp.buf[i] == '\t') tmp.buf[i] = FS[0];
        else if (tmp.buf[i] == '\n') tmp.buf[i] = GS[0];
    }
    put(o, tmp.buf);
    free(tmp.buf);
}

/* F US idx US defined US name US line US static US ret US ret-target US proto US variadic
 *   US params (name FS type FS target) US calls US start US end */
static void put_function(Out *o, CXCursor c, int idx) {
    unsigned def = clang_isCursorDefinition(c);
    put(o, "F" US);
    put_ll(o, idx);
    put(o, def ? US "1" US : US "" US);
    put_spelling(o, c);
    put(o, US);
    put_ll(o, line_of(c));
    put(o, clang_Cursor_getStorageClass(c) == SC_STATIC ? US "1" US : US "" US);
    CXType ret = clang_getCursorResultType(c);
    put_str(o, clang_getTypeSpelling(ret));
    put(o, US);
    put_target(o, ret);
    CXType t = clang_getCursorType(c);
    if (t.kind == T_FUNCTIONPROTO)
        put(o, clang_isFunctionTypeVariadic(t) ? US "1" US "1" US : US "1" US "" US);
    else
        put(o, US "" US "" US);
    int na = clang_Cursor_getNumArguments(c);
    for (int i = 0; i < na; i++) {
        CXCursor a = clang_Cursor_getArgument(c, (unsigned)i);
        CXType at = clang_getCursorType(a);
        if (i) put(o, GS);
        put_spelling(o, a);
        put(o, FS);
        put_str(o, clang_getTypeSpelling(at));
        put(o, FS);
        put_target(o, at);
    }
    put(o, US);
    if (def) put_calls(o, c);
    put_extent(o, c);
}

extern CXCursor clang_Cursor_getVarDeclInitializer(CXCursor);

typedef struct { Out *o; int first; } RefCtx;

static int ref_visitor(CXCursor c, CXCursor parent, CXClientData d) {
    RefCtx *rc = (RefCtx *)d;
    (void)parent;
    if (c.kind == K_DECLREF) {
        CXCursor r = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(r) && r.kind == K_FUNCTION) {
            if (!rc->first) put(rc->o, GS);
            rc->first = 0;
            put_spelling(rc->o, r);
        }
        return V_CONTINUE;
    }
    return V_RECURSE;
}

/* US has-initializer US the functions its initializer names, in order (GS-separated) */
static void put_init(Out *o, CXCursor c) {
    CXCursor init = clang_Cursor_getVarDeclInitializer(c);
    int has = !clang_Cursor_isNull(init);
    put(o, has ? US "1" US : US "" US);
    if (has) {
        RefCtx rc = {o, 1};
        if (init.kind == K_DECLREF) ref_visitor(init, c, &rc);
        else clang_visitChildren(init, ref_visitor, &rc);
    }
}

static int is_definition_name(CXCursor c, Out *o) {
    if (c.kind == K_FUNCTION && clang_isCursorDefinition(c)) {
        put(o, "D" US);
        put_spelling(o, c);
        return 1;
    }
    return 0;
}

char *ootkg_describe(const CXCursor *cur, const int *file_of, int n, const unsigned char *want) {
    Out o = {NULL, 0, 0};
    put(&o, "");
    for (int i = 0; i < n; i++) {
        int w = want[file_of[i]];
        CXCursor c = cur[i];
        if (w == 0) continue;
        size_t mark = o.len;
        if (o.len) put(&o, RS);
        size_t start = o.len;
        if (w == 3) {
            if (!is_definition_name(c, &o)) { o.len = mark; o.buf[mark] = 0; }
            continue;
        }
        switch (c.kind) {
        case K_FUNCTION:
            put_function(&o, c, i);
            break;
        case K_STRUCT:
        case K_UNION: {
            /* named definitions only (S US idx US name US record) */
            char name[4096];
            spell(c, name, sizeof name);
            if (!clang_isCursorDefinition(c) || anonymous_name(name)) break;
            put(&o, "S" US);
            put_ll(&o, i);
            put(&o, US);
            put(&o, name);
            put(&o, US);
            put_record(&o, c);
            break;
        }
        case K_ENUM: {
            /* definitions (E US idx US name-or-empty US enum) */
            char name[4096];
            if (!clang_isCursorDefinition(c)) break;
            spell(c, name, sizeof name);
            put(&o, "E" US);
            put_ll(&o, i);
            put(&o, US);
            if (!anonymous_name(name)) put(&o, name);
            put(&o, US);
            put_enum(&o, c);
            break;
        }
        case K_TYPEDEF: {
            /* T US idx US name US underlying US line US target US ("" | "R" US record |
             * "E" US enum): the anonymous struct/enum it names, defined here */
            CXType under = clang_getTypedefDeclUnderlyingType(c);
            CXType ut = under.kind == T_ELABORATED ? clang_Type_getNamedType(under) : under;
            put(&o, "T" US);
            put_ll(&o, i);
            put(&o, US);
            put_spelling(&o, c);
            put(&o, US);
            put_str(&o, clang_getTypeSpelling(under));
            put(&o, US);
            put_ll(&o, line_of(c));
            put(&o, US);
            put_target(&o, under);
            put(&o, US);
            if (ut.kind == T_RECORD || ut.kind == T_ENUM) {
                CXCursor decl = clang_getTypeDeclaration(ut);
                char dn[4096];
                if (!clang_Cursor_isNull(decl) && clang_isCursorDefinition(decl)) {
                    spell(decl, dn, sizeof dn);
                    if (anonymous_name(dn)) {
                        if (ut.kind == T_RECORD) {
                            put(&o, "R" US);
                            put_record(&o, decl);
                        } else {
                            put(&o, "E" US);
                            put_enum(&o, decl);
                        }
                    }
                }
            }
            break;
        }
        case K_VAR: {
            /* V US idx US name US type US line US static US extern US target US definition
             * US start US end US has-initializer US functions it names (GS) */
            CXType t = clang_getCursorType(c);
            int sc = clang_Cursor_getStorageClass(c);
            put(&o, "V" US);
            put_ll(&o, i);
            put(&o, US);
            put_spelling(&o, c);
            put(&o, US);
            put_str(&o, clang_getTypeSpelling(t));
            put(&o, US);
            put_ll(&o, line_of(c));
            put(&o, sc == SC_STATIC ? US "1" : US "");
            put(&o, sc == SC_EXTERN ? US "1" US : US "" US);
            put_target(&o, t);
            put(&o, clang_isCursorDefinition(c) ? US "1" : US "");
            put_extent(&o, c);
            put_init(&o, c);
            break;
        }
        default:
            break;
        }
        if (o.len == start) { o.len = mark; o.buf[mark] = 0; }
    }
    return o.buf;
}

typedef struct { Out *o; } IncCtx;

static void inclusion_visitor(CXFile f, CXSourceLocation *stack, unsigned depth,
                              CXClientData d) {
    Out *o = (Out *)d;
    (void)stack;
    if (depth == 0) return;
    CXString s = clang_getFileName(f);
    const char *p = clang_getCString(s);
    put(o, p ? p : "");
    put(o, RS);
    clang_disposeString(s);
}

extern void clang_getInclusions(void *tu, void (*)(CXFile, CXSourceLocation *, unsigned,
                                                   CXClientData), CXClientData);

/* TranslationUnit.get_includes(): the included files' names (depth > 0), each followed by RS */
char *ootkg_includes(void *tu) {
    Out o = {NULL, 0, 0};
    put(&o, "");
    clang_getInclusions(tu, inclusion_visitor, &o);
    return o.buf;
}

/* ---- Skipped (inactive #if) ranges -------------------------------------------------------
 * Needs the parse's detailed preprocessing record. One item per range: file US first line
 * US last line, each followed by RS. */
typedef struct { unsigned count; CXSourceRange *ranges; } CXSourceRangeList;
extern CXSourceRangeList *clang_getAllSkippedRanges(void *tu);
extern void clang_disposeSourceRangeList(CXSourceRangeList *);

char *ootkg_skipped(void *tu) {
    Out o = {NULL, 0, 0};
    put(&o, "");
    CXSourceRangeList *l = clang_getAllSkippedRanges(tu);
    if (!l) return o.buf;
    for (unsigned i = 0; i < l->count; i++) {
        CXFile f = 0;
        unsigned a = 0, b = 0, col = 0, off = 0;
        clang_getExpansionLocation(clang_getRangeStart(l->ranges[i]), &f, &a, &col, &off);
        clang_getExpansionLocation(clang_getRangeEnd(l->ranges[i]), 0, &b, &col, &off);
        if (!f) continue;
        CXString s = clang_getFileName(f);
        const char *p = clang_getCString(s);
        put(&o, p ? p : "");
        clang_disposeString(s);
        put(&o, US);
        put_ll(&o, a);
        put(&o, US);
        put_ll(&o, b);
        put(&o, RS);
    }
    clang_disposeSourceRangeList(l);
    return o.buf;
}
