#!/usr/bin/env python3
"""What reserving concurrency for a function would leave the rest of the account.

Lambda refuses a reservation that leaves fewer than 100 unreserved concurrent executions
in the account, and new accounts often have a quota of 10 in all. The role asks first,
so it can stop before any change with the account's figures instead of failing halfway
(after the bucket, queue, role and function exist).

Prints one JSON object:
  {"supported": true, "limit": 1000, "unreserved": 990, "function_reserved": 10,
   "unreserved_after": 990, "max_reservable": 900}
or {"supported": false, "reason": "..."} where the endpoint does not implement
GetAccountSettings (AWS and the embedded AWS do; stock moto answers 404).

  python account_concurrency.py --function trip-features --reserve 10
"""

from __future__ import annotations

import argparse
import json
import sys

import boto3
from botocore.exceptions import ClientError

MIN_UNRESERVED = 100  # Lambda keeps at least this many executions unreserved per account


def figures(client, function: str, reserve: int) -> dict:
    try:
        limits = client.get_account_settings()["AccountLimit"]
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = err.response.get("Error", {}).get("Code", "")
        if status in (404, 501) or code in ("NotImplemented", "404"):
            return {"supported": False, "reason": f"GetAccountSettings not implemented by this endpoint ({err})"}
        raise
    try:
        current = client.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions") or 0
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        current = 0  # not deployed yet: nothing of ours is reserved
    unreserved = limits["UnreservedConcurrentExecutions"]
    # The function's own reservation returns to the pool when it is replaced.
    after = unreserved + current - reserve
    return {"supported": True, "limit": limits["ConcurrentExecutions"], "unreserved": unreserved,
            "function_reserved": current, "unreserved_after": after,
            "max_reservable": max(0, unreserved + current - MIN_UNRESERVED), "min_unreserved": MIN_UNRESERVED}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--function", required=True)
    p.add_argument("--reserve", type=int, required=True)
    a = p.parse_args(argv)
    print(json.dumps(figures(boto3.client("lambda"), a.function, a.reserve)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
