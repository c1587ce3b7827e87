"""Lambda: the functions moto holds, run in this process (`runtime`)."""
