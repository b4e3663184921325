"""moto's S3 on 127.0.0.1 with SigV4 verification on from the first request (test/helpers/s3server.ts).

Before serving, creates an IAM user with an access key and an s3:* policy, and the buckets named
on the command line, directly in moto's backends, so no unauthenticated request is ever needed:
INITIAL_NO_AUTH_ACTION_COUNT is 0. Prints one JSON line {port, accessKeyId, secretAccessKey} and
serves until stdin closes (the parent exited) or SIGTERM.
"""
import json
import os
import signal
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"

from moto import settings  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
from moto.s3.models import s3_backends  # noqa: E402

REGION = "us-east-1"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


def main() -> None:
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
    iam.create_user(REGION, "fraudctl-test")
    iam.put_user_policy("fraudctl-test", "lake", POLICY)
    key = iam.create_access_key("fraudctl-test")
    s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for bucket in sys.argv[1:]:
        s3.create_bucket(bucket, REGION)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(json.dumps({"port": port, "accessKeyId": key.access_key_id, "secretAccessKey": key.secret_access_key}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdin.read()  # returns when the parent closes the pipe or dies


if __name__ == "__main__":
    main()
