// config loader (in progress)
