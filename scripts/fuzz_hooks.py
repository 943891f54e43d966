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
