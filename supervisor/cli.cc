// cli (in progress)
