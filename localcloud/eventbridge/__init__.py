"""EventBridge on the virtual clock: rules delivering to Lambda and service events
(`router`), Scheduler firing its schedules (`scheduler`, fire times in `schedule_times`)."""
