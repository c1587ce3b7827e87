"""A local CloudWatch for the embedded runtime: metrics in moto, alarms evaluated on the clock.

moto stores metric data and metric alarms but never evaluates an alarm: its state stays what
PutMetricAlarm or SetAlarmState left. `metrics` records datapoints into moto's backend at the
virtual time (the local SageMaker's AWS/SageMaker invocation metrics); `alarms` evaluates
moto's metric alarms from those datapoints as CloudWatch does and sets their state.
"""
