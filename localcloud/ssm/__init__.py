"""SSM Parameter Store: faults on named parameters, answered as SSM answers them (`faults`)."""
