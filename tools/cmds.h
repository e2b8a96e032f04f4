/*
 * The `yinian` subcommands.  Each takes the arguments after its name
 * (argv[0] is the subcommand name) and returns a process exit status:
 * 0 success, 1 failure (an error was printed), 2 usage error.
 * Each prints its own --help.
 */
#ifndef YN_TOOLS_CMDS_H
#define YN_TOOLS_CMDS_H

int yn_cmd_reader(int argc, char **argv);
int yn_cmd_journal(int argc, char **argv);
int yn_cmd_denylist(int argc, char **argv);
int yn_cmd_card(int argc, char **argv);
int yn_cmd_tap(int argc, char **argv);
int yn_cmd_policy(int argc, char **argv);
int yn_cmd_selftest(int argc, char **argv);
int yn_cmd_keys(int argc, char **argv);
int yn_cmd_issue(int argc, char **argv);
int yn_cmd_inspect(int argc, char **argv);
int yn_cmd_replace(int argc, char **argv);

#endif
