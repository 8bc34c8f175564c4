"""make_class.py — turns the hostile acts into a class of submissions.

Each tests/hostile/<act>.c is a few lines of C with a header:

    // where: call | top
    // expect: <exercise status> <score> [<tcase>=<test status>]

and becomes <class>/<act>/offload.c: the reference solution of
loop-offload with the act inserted, at file scope ("top") or at the start
of count_primes_async() when it is asked to count below 200000 ("call",
which only the loop_stays_responsive test does: 3 of the 12 points).
@SRCDIR@, @TAG@, @PORT@ and @TMPDIR@ in an act are replaced.

usage: make_class.py SRCDIR CLASSDIR TAG PORT TMPDIR [ACT...]
Prints one line per act: name, expected status, score, tcase=status.
"""
import os
import re
import sys

INCLUDES = """#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
"""
CALL = "int count_primes_async(lab_loop *loop, uint64_t limit, primes_done_cb *done, void *arg)\n{\n"


def main():
    src, out, tag, port, tmp = sys.argv[1:6]
    only = set(sys.argv[6:])
    here = os.path.join(src, "tests", "hostile")
    solution = open(os.path.join(src, "solutions", "loop-offload", "offload.c")).read()
    assert CALL in solution and "#include <stdlib.h>\n" in solution
    for name in sorted(os.listdir(here)):
        act, ext = os.path.splitext(name)
        if ext != ".c" or (only and act not in only):
            continue
        text = open(os.path.join(here, name)).read()
        where = re.search(r"^// where: (\w+)", text, re.M).group(1)
        expect = re.search(r"^// expect: (.*)$", text, re.M).group(1)
        for key, value in (("@SRCDIR@", src), ("@TAG@", tag), ("@PORT@", port), ("@TMPDIR@", tmp)):
            text = text.replace(key, value)
        code = solution.replace("#include <stdlib.h>\n", "#include <stdlib.h>\n" + INCLUDES, 1)
        if where == "top":
            code = code.replace(CALL, text + "\n" + CALL, 1)
        else:
            body = "".join("        " + line + "\n" for line in text.splitlines())
            code = code.replace(CALL, CALL + "    if (limit == 200000) {\n" + body + "    }\n", 1)
        os.makedirs(os.path.join(out, act), exist_ok=True)
        with open(os.path.join(out, act, "offload.c"), "w") as f:
            f.write(code)
        print(act, expect)


main()
