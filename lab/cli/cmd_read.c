/* cmd_read.c — `nodelab read CHAPTER`: a chapter as plain text. */
#include "cli.h"
#include "course/catalog.h"
#include "course/paths.h"
#include "doc/doctag.h"
#include "doc/markdown.h"

#include <stdlib.h>
#include <string.h>

static const char help[] =
"usage: nodelab read CHAPTER\n"
"\n"
"Prints a chapter as plain text, wrapped to the terminal (or 80 columns\n"
"when the output is not a terminal), for reading in a pager:\n"
"  nodelab read 2 | less\n"
"CHAPTER is a number (2) or a name (streams); `nodelab list chapters`\n"
"shows them.\n";

static void list_names(char *buf, size_t size)
{
    nl_chapter *list;
    size_t n = nl_chapters(&list), used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d %s", i ? ", " : "",
                                 list[i].number, list[i].slug);
    free(list);
}

int nl_cmd_read(int argc, char **argv)
{
    if (argc >= 2 && nl_is_help(argv[1])) { fputs(help, stdout); return 0; }
    if (argc != 2) return nl_usage_error("read: expected one CHAPTER (see nodelab read --help)");
    nl_chapter ch;
    if (nl_chapter_find(argv[1], &ch) < 0) {
        char names[1024];
        list_names(names, sizeof names);
        return nl_usage_error("read: no chapter '%s' (chapters: %s)", argv[1],
                              *names ? names : "none installed");
    }
    char *text = nl_read_file(ch.path, NULL);
    if (!text) {
        fprintf(stderr, "nodelab: read: cannot open %s\n", ch.path);
        return 1;
    }
    md_doc *doc = md_parse(text);
    nl_doctag_resolve(doc, nl_data_dir());     /* the runtime's lines as they are now */
    int width = nl_output_width(stdout);
    md_render_plain(stdout, doc, width > 100 ? 100 : width);
    md_free(doc);
    free(text);
    return fflush(stdout) == 0 ? 0 : 1;
}
