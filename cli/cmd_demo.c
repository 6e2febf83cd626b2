#include "cli.h"

#include <stdio.h>

int hn_cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("hepnn demo: not yet available\n");
    return 0;
}
