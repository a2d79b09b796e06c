/* SPDX-License-Identifier: MIT */
/* The subcommands; each returns the process exit code. */
#ifndef KPROF_COMMANDS_H
#define KPROF_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif /* KPROF_COMMANDS_H */
