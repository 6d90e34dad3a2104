"""Failure messages worded as the Durable Functions extension words them (Azure Storage / MSSQL backends).

Azure hands the orchestrator a plain `Exception(f"{Reason} \\n {Details}")` (see azure-functions-durable's
`TaskOrchestrationExecutor.set_task_value`), where Reason is `Activity function '<name>' failed: <Type>: <message>`
and Details the serialized exception. Apps catch `Exception` and sometimes parse the JSON on the second line,
so both lines are reproduced.
"""
from __future__ import annotations

import json

from durabletask.task import FailureDetails


def short_type(error_type: str) -> str:
    return error_type.rsplit(".", 1)[-1] if error_type else "Exception"


def task_failed_reason(kind: str, name: str, details: FailureDetails) -> str:
    """`kind` is "Activity" or "Orchestrator"; a sub-orchestration's message already carries its own prefix."""
    if kind == "Orchestrator" and details.message.startswith("Orchestrator function '"):
        return details.message
    return f"{kind} function '{name}' failed: {short_type(details.error_type)}: {details.message}"


def task_failed_details(details: FailureDetails) -> str:
    return json.dumps({
        "$type": "System.Exception, System.Private.CoreLib",
        "ClassName": "System.Exception",
        "Message": f"{short_type(details.error_type)}: {details.message}",
        "Data": None,
        "InnerException": None,
        "StackTraceString": None,
    })


def task_failed_exception(kind: str, name: str, details: FailureDetails) -> Exception:
    """The exception a failed activity/sub-orchestration raises at the orchestrator's `yield`, as in Azure."""
    return Exception(f"{task_failed_reason(kind, name, details)} \n {task_failed_details(details)}")


class OrchestratorFunctionFailed(Exception):
    """An unhandled exception in an orchestrator; its text is what Azure shows as the instance's output."""

    def __init__(self, name: str, cause: BaseException):
        text = str(cause) or str(type(cause))
        super().__init__(f"Orchestrator function '{name}' failed: {text}")
