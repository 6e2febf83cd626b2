#ifndef HEPNN_CLI_H
#define HEPNN_CLI_H

#ifndef HEPNN_VERSION
#define HEPNN_VERSION "unknown"
#endif

/* One subcommand: argv[0] is the subcommand's own name. Returns the exit code
 * (0 success, 1 failure of the work, 2 bad command line). */
struct hn_cli_command {
    const char *name;
    const char *help;
    int (*run)(int argc, char **argv);
};

int hn_cmd_demo(int argc, char **argv);
int hn_cmd_train(int argc, char **argv);
int hn_cmd_eval(int argc, char **argv);
int hn_cmd_apply(int argc, char **argv);
int hn_cmd_info(int argc, char **argv);
int hn_cmd_root(int argc, char **argv);

#endif
