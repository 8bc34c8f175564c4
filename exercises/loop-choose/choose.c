/*
 * choose.c — exercise loop-choose.  Your file: answer every scenario.
 *
 * Read the scenarios in quiz.c (or README.md).  For each one, return the
 * tool that fits and the reason that decides it, from choose.h:
 *
 *     case 1: return (choice){ TOOL_..., REASON_... };
 *
 * TOOL_UNSURE and REASON_UNSURE score nothing.  Chapter 1's table
 * ("Which tool for which problem") is the place to start.
 */
#include "choose.h"

choice choose(int scenario)
{
    switch (scenario) {
    case 1: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 2: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 3: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 4: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 5: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 6: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 7: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 8: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 9: return (choice){ TOOL_UNSURE, REASON_UNSURE };   /* TODO */
    case 10: return (choice){ TOOL_UNSURE, REASON_UNSURE };  /* TODO */
    default: return (choice){ TOOL_UNSURE, REASON_UNSURE };
    }
}
