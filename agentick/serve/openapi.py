"""The OpenAPI 3.1 document of the HTTP API, served at `/openapi.json`, built from the pydantic
models of the bodies (`bodies.py`), so the document and the validation cannot disagree."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ..engine.results import SendResult
from .bodies import (
    AbortBody,
    CreatedSession,
    ErrorBody,
    EventJSON,
    Outcome,
    SendBody,
    SessionState,
    ToolResultBody,
    TrustedSendBody,
)

__all__ = ["openapi_document"]

REF = "#/components/schemas/{model}"


def openapi_document(*, trusted_roles: bool, secured: bool, title: str) -> dict[str, Any]:
    """The document for an app named `title`; `trusted_roles` picks the send body's schema and
    `secured` adds the bearer-token scheme."""
    send_body: type[BaseModel] = TrustedSendBody if trusted_roles else SendBody
    used: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (send_body, "validation"),
        (ToolResultBody, "validation"),
        (AbortBody, "validation"),
        (CreatedSession, "serialization"),
        (SessionState, "serialization"),
        (SendResult, "serialization"),
        (Outcome, "serialization"),
        (ErrorBody, "serialization"),
        (EventJSON, "serialization"),
    ]
    refs, definitions = models_json_schema(used, ref_template=REF)

    def ref(model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> dict[str, Any]:
        return dict(refs[(model, mode)])

    def body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
        return {"required": required, "content": {"application/json": {"schema": ref(model, "validation")}}}

    def answer(description: str, model: type[BaseModel] | None = None) -> dict[str, Any]:
        if model is None:
            return {"description": description}
        return {"description": description, "content": {"application/json": {"schema": ref(model)}}}

    def errors(*codes: str) -> dict[str, Any]:
        described = {
            "401": "missing or wrong bearer token",
            "404": "no such session (never created, or deleted)",
            "409": "the session is busy elsewhere, or the execution was aborted",
            "413": "the body is larger than 1 MiB",
            "422": "the body or the session id is invalid (pydantic's errors in error.errors)",
            "500": "the execution failed",
            "502": "the model failed",
        }
        shown = ("401", *codes) if secured else codes
        return {code: answer(described[code], ErrorBody) for code in shown}

    session_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"},
        "description": "a session id, as POST /sessions returned it",
    }
    sse = {
        "text/event-stream": {
            "schema": {"type": "string", "description": "server-sent events; each data: line is one event's JSON"},
            "x-event-data": ref(EventJSON),
        }
    }
    paths: dict[str, Any] = {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "the OpenAPI document", "content": {"application/json": {}}}},
            }
        },
        "/sessions": {
            "post": {
                "summary": "Create a session",
                "operationId": "createSession",
                "responses": {"201": answer("the session, saved when the app has a store", CreatedSession), **errors()},
            }
        },
        "/sessions/{id}": {
            "parameters": [session_id],
            "get": {
                "summary": "A session's status, timeline and usage (its latest save)",
                "operationId": "getSession",
                "responses": {"200": answer("the session", SessionState), **errors("404", "422")},
            },
            "delete": {
                "summary": "Close a session and delete its saved snapshot",
                "operationId": "deleteSession",
                "responses": {"204": answer("deleted"), **errors("404", "422")},
            },
        },
        "/sessions/{id}/messages": {
            "parameters": [session_id],
            "post": {
                "summary": "Send messages and run the agent",
                "description": "With `Accept: text/event-stream` the answer streams the execution's events, each "
                "`data:` line one event's JSON; the last is `execution_end`, sent after the save.",
                "operationId": "sendMessages",
                "requestBody": body(send_body),
                "responses": {
                    "200": {
                        "description": "the execution's result, or its events as server-sent events",
                        "content": {"application/json": {"schema": ref(SendResult)}, **sse},
                    },
                    **errors("404", "409", "413", "422", "500", "502"),
                },
            },
        },
        "/sessions/{id}/abort": {
            "parameters": [session_id],
            "post": {
                "summary": "Abort the session's running execution",
                "operationId": "abortSession",
                "requestBody": body(AbortBody, required=False),
                "responses": {
                    "200": answer("aborted here", Outcome),
                    "202": answer("signalled to the worker running it", Outcome),
                    **errors("404", "409", "413", "422"),
                },
            },
        },
        "/sessions/{id}/tool-results": {
            "parameters": [session_id],
            "post": {
                "summary": "Approve or deny a tool call awaiting confirmation",
                "operationId": "submitToolResult",
                "requestBody": body(ToolResultBody),
                "responses": {
                    "200": answer("delivered here", Outcome),
                    "202": answer("signalled to the worker running it", Outcome),
                    **errors("404", "409", "413", "422"),
                },
            },
        },
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": f"agentick: {title}", "version": "1"},
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {})},
    }
    if secured:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
    return document
