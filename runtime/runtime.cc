// runtime (in progress)
