"""Schemathesis hooks for `npm run test:fuzz` (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.ts).

POST /v1/imports takes its file as the body, JSONL (application/x-ndjson) or CSV; the
OpenAPI document describes both as a string. Schemathesis has no serializer for
application/x-ndjson, so without this one it reports the operation as an error and
never sends a JSONL body: send the generated value as text, as a client would.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


# CPython 3.11.7 (the Python this machine's venv is built from) can raise
# "SystemError: AST constructor recursion depth mismatch" from ast.parse when it
# is called deep in a stack (fixed in later CPython releases). Hypothesis calls
# it only to describe a lambda of Schemathesis's in words; the crash ended the
# fuzz of POST /v1/imports as a "Runtime Error" of the tool, not a finding about
# the API. Such a lambda is described as Hypothesis does when it cannot read it.
import inspect  # noqa: E402

from hypothesis.internal import lambda_sources  # noqa: E402

_describe_lambda = lambda_sources._lambda_description


def _describe_lambda_or_unknown(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        target = getattr(f, "__wrapped_target", f)
        params = str(inspect.signature(target))[1:-1]
        return f"lambda {params}: <unknown>" if params else "lambda: <unknown>"


lambda_sources._lambda_description = _describe_lambda_or_unknown
