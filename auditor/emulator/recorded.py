"""Error answers the data-plane services really give, replayed by the emulator.

Each body is the one recorded against Azure in the public azure-sdk-for-python test recordings
(``sdk/monitor/azure-monitor-query/tests/recordings/``, MIT; copies in
``tests/fixtures/real_azure/responses/``, compared by ``tests/test_emulator_recorded.py``):

- ``PartialError``: HTTP 200 with ``tables`` *and* an ``error`` (``test_logs_single_query_with_partial_success``);
- ``BadArgumentError``: HTTP 400, inner ``SemanticError`` / ``SEM0100`` (``test_logs_single_query_with_non_200``);
- ``GatewayTimeout``: HTTP 504, inner ``ADX query timed out`` (``test_logs_server_timeout``);
- ``UnexpectedSchema``: HTTP 200 whose one table has other columns and no rows
  (``test_logs_single_query``: what an answer to another query looks like).

A snapshot error with one of these codes at a workspace (operation ``logQuery``) is answered
with that body; its ``message`` replaces the recorded top-level message, so what the collector
records is what the snapshot held (the round trip stays exact). Azure Storage answers errors in
XML that starts with a UTF-8 byte order mark and ends its ``Message`` with ``RequestId`` and
``Time`` lines, as its listings start with the BOM too.
"""

from __future__ import annotations

import copy
from typing import Any

PARTIAL_ERROR: dict[str, Any] = {
    "code": "PartialError", "message": "There were some errors when processing your query.",
    "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
                 "innererror": {"code": "-2133196788",
                                "message": "Percentiles aggregator has encountered an overflow exception during "
                                           "evaluation (probably due to large weight expression). Results may be "
                                           "incorrect or incomplete (E_OVERFLOW; see "
                                           "https://aka.ms/kustoqueryfailures).",
                                "severity": 2, "severityName": "Error"}}],
}
SEMANTIC_ERROR: dict[str, Any] = {"error": {
    "message": "The request had some invalid properties", "code": "BadArgumentError",
    "correlationId": "d215782f-99e5-4f0d-9a9a-aba25c937179",
    "innererror": {"code": "SemanticError", "message": "A semantic error occurred.",
                   "innererror": {"code": "SEM0100", "message": "'where' operator: Failed to resolve table or column "
                                                                "expression named 'AppInsights'"}}}}
GATEWAY_TIMEOUT: dict[str, Any] = {"error": {
    "message": "Gateway timeout", "code": "GatewayTimeout", "correlationId": "88353e93-6e1b-425c-9867-2a1f05c3d070",
    "innererror": {"code": "GatewayTimeout", "message": "ADX query timed out"}}}
OTHER_SCHEMA: dict[str, Any] = {"tables": [{
    "name": "PrimaryResult",
    "columns": [{"name": "TimeGenerated", "type": "datetime"}, {"name": "_ResourceId", "type": "string"},
                {"name": "avgRequestDuration", "type": "real"}],
    "rows": []}]}

UNEXPECTED_SCHEMA = "UnexpectedSchema"  # the collector's code for an answer it cannot read by column name


def log_query_error(status: int | None, code: str | None, message: str | None,
                    table: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """(status, body) of the recorded answer for a snapshot error, or None when none was recorded.

    ``table`` is the table the workspace would answer; a partial answer carries it."""
    def said(body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        if message:
            body["error"]["message"] = message
        return body

    if code == "PartialError":
        return 200, {"tables": [table], "error": said({"error": PARTIAL_ERROR})["error"]}
    if code == "BadArgumentError":
        return status or 400, said(SEMANTIC_ERROR)
    if code == "GatewayTimeout":
        return status or 504, said(GATEWAY_TIMEOUT)
    if code == UNEXPECTED_SCHEMA:
        return 200, copy.deepcopy(OTHER_SCHEMA)
    return None


BOM = "\ufeff".encode()


def storage_error_xml(code: str, message: str) -> bytes:
    """An Azure Storage error body: BOM, XML declaration, Code, Message with RequestId/Time lines."""
    from xml.sax.saxutils import escape

    text = f"{message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-01-01T00:00:00.0000000Z"
    return BOM + (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(code)}</Code>'
                  f"<Message>{escape(text)}</Message></Error>").encode()
