/* The `hepnn` command: a thin dispatcher over the library's public API.
 * Each subcommand lives in its own cli/cmd_*.c and is listed in the table below. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct hn_cli_command commands[] = {
    {"train", "train a network described by a configuration file", hn_cmd_train},
    {"eval", "the figures of a trained model on data", hn_cmd_eval},
    {"apply", "write a model's output for every event of a file", hn_cmd_apply},
    {"info", "describe a trained model", hn_cmd_info},
    {"demo", "generate a physics toy, train on it, write reports and scores", hn_cmd_demo},
    {"root", "list, describe and dump ROOT files (ls, show, dump)", hn_cmd_root},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: hepnn COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n'hepnn COMMAND --help' describes a command. 'hepnn --version' prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hepnn %s\n", HEPNN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "hepnn: unknown command '%s'; 'hepnn --help' lists the commands\n", argv[1]);
    return 2;
}
