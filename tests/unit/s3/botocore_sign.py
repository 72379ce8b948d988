"""Signs requests with botocore's S3 SigV4 signer: an independent check of mlvc's signer.

Reads a JSON list of requests (method, host, path not encoded, query pairs, headers,
credentials, region, amz_date) from the file named by argv[1]; prints one signature per line.
"""
import json
import sys
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

for case in json.load(open(sys.argv[1], encoding="utf-8")):
    # S3 clients send the key encoded once, '/' kept; the S3 signer signs that path as is.
    url = "https://" + case["host"] + quote(case["path"], safe="/~")
    request = AWSRequest(method=case["method"], url=url,
                         params=[tuple(p) for p in case["query"]],
                         headers=dict(case["headers"]))
    request.context["timestamp"] = case["amz_date"]
    auth = S3SigV4Auth(Credentials(case["access_key"], case["secret_key"],
                                   case.get("session_token") or None),
                       "s3", case["region"])
    canonical = auth.canonical_request(request)
    print(auth.signature(auth.string_to_sign(request, canonical), request))
