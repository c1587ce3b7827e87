"""A realistic machine that uses every state type and every field the DSL can render.

Shared by the statelint, rendering, Mermaid and hash-seed tests; the hash-seed test runs it
in a subprocess, so it must build the same machine from scratch every time.
"""

from __future__ import annotations

from workflow.asl import (
    Chain,
    Choice,
    Condition,
    Fail,
    Map,
    Parallel,
    Pass,
    Placeholder,
    Retrier,
    StateMachine,
    Succeed,
    Task,
    Wait,
)

LAMBDA_ERRORS = ["Lambda.ServiceException", "Lambda.TooManyRequestsException"]


def build_sample() -> StateMachine:
    done = Succeed("Done", comment="All orders handled", input_path="$.summary", output_path="$")
    failed = Fail("Failed", error="OrderFailed", cause="An order could not be processed")
    failed_dynamic = Fail("FailedWithInput", error_path="$.error.Error", cause_path="$.error.Cause")

    summarize = Task(
        "Summarize",
        Placeholder("summarize"),
        parameters={"orders.$": "$.orders", "count.$": "States.ArrayLength($.orders)"},
        result_selector={"text.$": "$.Payload.text", "source": "summarize"},
        result_path="$.summary",
        timeout_seconds=60,
        heartbeat_seconds=20,
        comment="Summarises the batch",
    ).retry(Retrier(LAMBDA_ERRORS, interval_seconds=2, max_attempts=4, backoff_rate=1.5))
    summarize.catch(["States.ALL"], failed_dynamic, result_path="$.error")
    summarize.next(done)

    charge = Task(
        "Charge",
        "arn:aws:states:::lambda:invoke",
        parameters={
            "FunctionName": Placeholder("charge", example="arn:aws:lambda:eu-west-1:1:function:c"),
            "Payload": {"order.$": "$", "tags": ["billing", {"team.$": "$$.Execution.Name"}]},
        },
        output_path="$.Payload",
        timeout_seconds_path="$.limits.chargeSeconds",
        heartbeat_seconds_path="$.limits.heartbeatSeconds",
    )
    charge.retry(
        Retrier(
            LAMBDA_ERRORS,
            interval_seconds=1,
            max_attempts=6,
            backoff_rate=2.0,
            max_delay_seconds=30,
            jitter_strategy="FULL",
        )
    )
    charge.retry(Retrier(["States.ALL"], max_attempts=0))
    per_order = Chain.start(
        Pass("Prepare", parameters={"id.$": "$.id", "amount.$": "$.amount"}, result_path="$.order")
    ).next(charge)

    each_order = Map(
        "EachOrder",
        per_order,
        items_path="$.orders",
        item_selector={"id.$": "$$.Map.Item.Value.id", "amount.$": "$$.Map.Item.Value.amount"},
        max_concurrency=4,
        result_selector={"charged.$": "$"},
        result_path="$.charges",
        comment="Charges each order",
    )
    each_order.catch(["States.TaskFailed"], failed, result_path=None)
    each_order.next(summarize)

    wait_until = Wait("WaitUntilOpen", timestamp_path="$.opensAt")
    wait_seconds = Wait("Backoff", seconds=30, comment="Gives the shop a moment")
    wait_dynamic = Wait("WaitForSlot", seconds_path="$.slotSeconds")
    wait_fixed_time = Wait("WaitForCutoff", timestamp="2030-01-01T00:00:00Z")

    enrich = Parallel(
        "Enrich",
        parameters={"customer.$": "$.customer"},
        result_selector={"profile.$": "$[0]", "history.$": "$[1]"},
        result_path="$.enriched",
        input_path="$",
        output_path="$",
    )
    enrich.branch(Task("FetchProfile", Placeholder("profile"), input_path="$.customer"))
    enrich.branch(
        Chain.start(Pass("DefaultHistory", result={"orders": []}, result_path=None)).next(
            Task("FetchHistory", Placeholder("history"), result_path="$.history")
        )
    )
    enrich.retry(Retrier(["States.BranchFailed"], interval_seconds=5, max_attempts=2))
    enrich.catch(["States.ALL"], failed)
    enrich.next(each_order)

    route = (
        Choice("Route", comment="Which way the batch goes", input_path="$", output_path="$")
        .when(Condition.is_present("$.opensAt", False), wait_seconds)
        .when(
            Condition.and_(
                Condition.is_present("$.opensAt"),
                Condition.timestamp_greater_than("$.opensAt", "2024-01-01T00:00:00Z"),
            ),
            wait_until,
        )
        .when(
            Condition.or_(
                Condition.string_equals("$.mode", "express"),
                Condition.string_matches("$.mode", "fast-*"),
            ),
            enrich,
        )
        .when(Condition.not_(Condition.numeric_greater_than("$.priority", 5)), wait_dynamic)
        .when(Condition.boolean_equals("$.cutoff", True), wait_fixed_time)
        .otherwise(failed)
    )
    wait_seconds.next(enrich)
    wait_until.next(enrich)
    wait_dynamic.next(enrich)
    wait_fixed_time.next(enrich)

    start = Pass(
        "Start",
        result={"startedBy": "sample", "limits": {"chargeSeconds": 30}},
        result_path="$.meta",
        comment="Stamps the input",
        input_path="$",
        output_path="$",
    )
    start.next(route)
    return StateMachine(start, comment="Order batch (sample)", timeout_seconds=3600)


PLACEHOLDERS = {"summarize", "charge", "profile", "history"}
