/*
 * Oracle for test/audit/falco-semantics.test.ts: the C library calls libsinsp's string filters
 * make (filter_compare.cpp flt_compare_string, sinsp_utils::glob_match), in the C locale:
 *   0 / 1  fnmatch(pattern, value, 0 / FNM_CASEFOLD)   glob / iglob
 *   2      strcasestr(value, pattern) != NULL           icontains
 *   3      sign of strcmp(value, pattern)               < <= > >=
 * Reads lines "op<TAB>pattern<TAB>value" (the generator keeps tabs and newlines out of the fields)
 * and prints one answer per line.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  setlocale(LC_ALL, "C");
  static char line[65536];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *op = line;
    char *tab1 = strchr(op, '\t');
    if (!tab1) { puts("?"); continue; }
    *tab1 = 0;
    char *pattern = tab1 + 1;
    char *tab2 = strchr(pattern, '\t');
    char *value = "";
    if (tab2) { *tab2 = 0; value = tab2 + 1; }
    switch (op[0]) {
    case '0': printf("%d\n", fnmatch(pattern, value, 0) == 0); break;
    case '1': printf("%d\n", fnmatch(pattern, value, FNM_CASEFOLD) == 0); break;
    case '2': printf("%d\n", strcasestr(value, pattern) != NULL); break;
    case '3': { int c = strcmp(value, pattern); printf("%d\n", c < 0 ? -1 : c > 0); break; }
    default: puts("?");
    }
  }
  return 0;
}
