/* elfsyms.c — symbols and sections of ELF objects (see elfsyms.h). */
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
    nl_elf_section_cb *section_cb;
    void *arg;
} scan;

/* Bounds check: is [off, off+len) inside a blob of size? */
static bool inside(size_t size, size_t off, size_t len)
{
    return off <= size && len <= size - off;
}

static const char *str_at(const char *blob, size_t size, size_t off)
{
    if (off >= size || !memchr(blob + off, '\0', size - off)) return NULL;
    return blob + off;
}

/* One 64-bit ELF image in memory.  32-bit objects are not built here. */
static int scan_elf(const char *img, size_t size, const scan *s, char *err, size_t errlen)
{
    if (size < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) != 0) {
        snprintf(err, errlen, "not an ELF file");
        return -1;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !inside(size, eh->e_shoff, (size_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
        snprintf(err, errlen, "unsupported or damaged ELF file");
        return -1;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
    const char *shstr = NULL;
    size_t shstr_size = 0;
    if (eh->e_shstrndx < eh->e_shnum && inside(size, sh[eh->e_shstrndx].sh_offset, sh[eh->e_shstrndx].sh_size)) {
        shstr = img + sh[eh->e_shstrndx].sh_offset;
        shstr_size = sh[eh->e_shstrndx].sh_size;
    }
    /* A relocatable object's own symbols are in .symtab; a shared
     * library exports through .dynsym. */
    Elf64_Word want = eh->e_type == ET_REL ? SHT_SYMTAB : SHT_DYNSYM;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (s->section_cb && eh->e_type == ET_REL && shstr) {
            const char *name = str_at(shstr, shstr_size, sh[i].sh_name);
            if (name && *name) s->section_cb(name, s->arg);
        }
        if (sh[i].sh_type != want || sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (!inside(size, sh[i].sh_offset, sh[i].sh_size) || !inside(size, strs->sh_offset, strs->sh_size))
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(img + sh[i].sh_offset);
        size_t n = sh[i].sh_size / sizeof *sym;
        for (size_t k = 1; k < n; k++) {
            const char *name = str_at(img + strs->sh_offset, strs->sh_size, sym[k].st_name);
            if (!name || !*name) continue;
            int bind = ELF64_ST_BIND(sym[k].st_info), type = ELF64_ST_TYPE(sym[k].st_info);
            if (type == STT_SECTION || type == STT_FILE) continue;
            nl_elf_sym e = {
                .name = name,
                .global = bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE,
                .defined = sym[k].st_shndx != SHN_UNDEF,
                .ifunc = type == STT_GNU_IFUNC,
            };
            s->cb(&e, s->arg);
        }
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

int nl_elf_scan(const char *path, nl_elf_sym_cb *cb, nl_elf_section_cb *section_cb,
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
    scan s = { cb, section_cb, arg };
    int rc;
    if (size >= 8 && memcmp(img, "!<arch>\n", 8) == 0)
        rc = scan_archive(img, size, &s, err, errlen);
    else
        rc = scan_elf(img, size, &s, err, errlen);
    munmap((void *)img, size);
    return rc;
}
