/* elfsyms.c — symbols and sections of ELF objects (see elfsyms.h).
 *
 * Archive members are only 2-byte aligned, so every ELF structure is
 * copied out with memcpy before it is read, never accessed in place. */
#include "config.h"
#include "elfsyms.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    nl_elf_sym_cb *cb;
    const nl_elf_section_cbs *sections;
    void *arg;
} scan;

/* One ELF image in memory, bounds-checked. */
typedef struct {
    const char *img;
    size_t size;
    Elf64_Ehdr eh;
} image;

static bool inside(size_t size, size_t off, size_t len)
{
    return off <= size && len <= size - off;
}

static bool read_at(const image *im, size_t off, void *out, size_t len)
{
    if (!inside(im->size, off, len)) return false;
    memcpy(out, im->img + off, len);
    return true;
}

static bool section(const image *im, unsigned i, Elf64_Shdr *sh)
{
    return i < im->eh.e_shnum && read_at(im, im->eh.e_shoff + (size_t)i * sizeof *sh, sh, sizeof *sh);
}

/* A NUL-terminated string at off in a string table section. */
static const char *string(const image *im, const Elf64_Shdr *strs, size_t off)
{
    if (!inside(im->size, strs->sh_offset, strs->sh_size) || off >= strs->sh_size) return NULL;
    const char *s = im->img + strs->sh_offset + off;
    return memchr(s, '\0', strs->sh_size - off) ? s : NULL;
}

static const char *section_name(const image *im, unsigned i)
{
    Elf64_Shdr sh, names;
    if (!section(im, i, &sh) || !section(im, im->eh.e_shstrndx, &names)) return NULL;
    return string(im, &names, sh.sh_name);
}

bool nl_elf_is_table(const char *name)
{
    static const char *const tables[] = { ".init_array", ".fini_array", ".preinit_array",
                                          ".ctors", ".dtors", NULL };
    for (const char *const *t = tables; *t; t++)
        if (!strncmp(name, *t, strlen(*t))) return true;
    return false;
}

/* The name of the function a relocation points at: its symbol, or, for a
 * section symbol plus an offset, the function defined at that offset. */
static const char *reloc_target(const image *im, const Elf64_Shdr *symtab, const Elf64_Rela *r)
{
    Elf64_Shdr strs;
    Elf64_Sym sym;
    size_t n = symtab->sh_size / sizeof sym;
    if (!section(im, symtab->sh_link, &strs) || ELF64_R_SYM(r->r_info) >= n ||
        !read_at(im, symtab->sh_offset + ELF64_R_SYM(r->r_info) * sizeof sym, &sym, sizeof sym))
        return "";
    if (ELF64_ST_TYPE(sym.st_info) != STT_SECTION) {
        const char *name = string(im, &strs, sym.st_name);
        return name ? name : "";
    }
    for (size_t k = 1; k < n; k++) {
        Elf64_Sym f;
        if (!read_at(im, symtab->sh_offset + k * sizeof f, &f, sizeof f)) break;
        if (ELF64_ST_TYPE(f.st_info) == STT_FUNC && f.st_shndx == sym.st_shndx &&
            f.st_value == (Elf64_Addr)r->r_addend) {
            const char *name = string(im, &strs, f.st_name);
            return name ? name : "";
        }
    }
    return "";
}

static void scan_sections(const image *im, const scan *s)
{
    for (unsigned i = 0; i < im->eh.e_shnum; i++) {
        Elf64_Shdr sh;
        const char *name = section_name(im, i);
        if (!section(im, i, &sh) || !name) continue;
        if (*name && s->sections->section) s->sections->section(name, sh.sh_size, s->arg);
        /* The relocations of a constructor table say what it calls. */
        const char *target = section_name(im, sh.sh_info);
        Elf64_Shdr symtab;
        if (sh.sh_type != SHT_RELA || !target || !nl_elf_is_table(target) ||
            !section(im, sh.sh_link, &symtab) || !s->sections->table_entry)
            continue;
        for (size_t k = 0; k < sh.sh_size / sizeof(Elf64_Rela); k++) {
            Elf64_Rela r;
            if (!read_at(im, sh.sh_offset + k * sizeof r, &r, sizeof r)) break;
            s->sections->table_entry(target, reloc_target(im, &symtab, &r), s->arg);
        }
    }
}

static void scan_symbols(const image *im, const Elf64_Shdr *sh, const scan *s)
{
    Elf64_Shdr strs;
    if (!section(im, sh->sh_link, &strs)) return;
    for (size_t k = 1; k < sh->sh_size / sizeof(Elf64_Sym); k++) {
        Elf64_Sym sym;
        if (!read_at(im, sh->sh_offset + k * sizeof sym, &sym, sizeof sym)) break;
        const char *name = string(im, &strs, sym.st_name);
        int bind = ELF64_ST_BIND(sym.st_info), type = ELF64_ST_TYPE(sym.st_info);
        if (!name || !*name || type == STT_SECTION || type == STT_FILE) continue;
        nl_elf_sym e = {
            .name = name,
            .global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE,
            .defined = sym.st_shndx != SHN_UNDEF,
            .ifunc = type == STT_GNU_IFUNC,
        };
        s->cb(&e, s->arg);
    }
}

/* One 64-bit ELF image.  32-bit objects are not built here. */
static int scan_elf(const char *img, size_t size, const scan *s, char *err, size_t errlen)
{
    image im;
    memset(&im, 0, sizeof im);
    im.img = img;
    im.size = size;
    if (!read_at(&im, 0, &im.eh, sizeof im.eh) || memcmp(im.eh.e_ident, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    if (im.eh.e_ident[EI_CLASS] != ELFCLASS64 || im.eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !inside(size, im.eh.e_shoff, (size_t)im.eh.e_shnum * sizeof(Elf64_Shdr))) {
        snprintf(err, errlen, "unsupported or damaged ELF file");
        return -1;
    }
    if (s->sections && im.eh.e_type == ET_REL) scan_sections(&im, s);
    /* A relocatable object's own symbols are in .symtab; a shared
     * library exports through .dynsym. */
    Elf64_Word want = im.eh.e_type == ET_REL ? SHT_SYMTAB : SHT_DYNSYM;
    for (unsigned i = 0; i < im.eh.e_shnum; i++) {
        Elf64_Shdr sh;
        if (section(&im, i, &sh) && sh.sh_type == want) scan_symbols(&im, &sh, s);
    }
    return 0;
}

/* A System V archive: "!<arch>\n", then members, each a 60-byte header
 * (name, dates, mode, size in decimal, "`\n") and its data, padded to an
 * even offset.  The symbol index ("/") and long-name table ("//") are not
 * objects. */
static int scan_archive(const char *img, size_t size, const scan *s, char *err, size_t errlen)
{
    size_t off = 8;
    while (off + 60 <= size) {
        const char *hdr = img + off;
        char num[11];
        memcpy(num, hdr + 48, 10);
        num[10] = '\0';
        size_t len = strtoul(num, NULL, 10);
        off += 60;
        if (!inside(size, off, len)) break;
        bool index = hdr[0] == '/' && (hdr[1] == ' ' || hdr[1] == '/');
        if (!index && len >= SELFMAG && memcmp(img + off, ELFMAG, SELFMAG) == 0)
            scan_elf(img + off, len, s, err, errlen);
        off += len + (len & 1);
    }
    return 0;
}

int nl_elf_scan(const char *path, nl_elf_sym_cb *cb, const nl_elf_section_cbs *sections,
                void *arg, char *err, unsigned long errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
        snprintf(err, errlen, "%s: cannot read it", path);
        if (fd >= 0) close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    const char *img = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED) { snprintf(err, errlen, "%s: cannot map it", path); return -1; }
    scan s = { cb, sections, arg };
    int rc;
    if (size >= 8 && memcmp(img, "!<arch>\n", 8) == 0)
        rc = scan_archive(img, size, &s, err, errlen);
    else
        rc = scan_elf(img, size, &s, err, errlen);
    munmap((void *)img, size);
    return rc;
}
