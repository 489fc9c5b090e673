// HTTP server (in progress)
