// `colony`, the command users run: the command line and the supervisor, without V8.
#include "supervisor/cli.h"

int main(int argc, char** argv) { return colony::runCli(argc, argv, nullptr); }
