#include "supervisor/cli.h"

int main(int argc, char** argv) { return colony::runCli(argc, argv); }
