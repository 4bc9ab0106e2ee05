#!/usr/bin/env python3
"""Set-up of the cold-start storm (benches/storm.sh): creates N users and a `warm` user in
one user group holding `_account_viewer` on `_all_resources_including_child_scopes`, and
one API token each, through the admin API; prints the tokens, one per line (`warm` last).
The storm itself is `examples/cold_storm.rs`.

    benches/storm.py BASE_URL ADMIN_TOKEN N
"""

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def admin(base, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("x-api-key", token)
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def setup(base, admin_token, n):
    users = [f"storm{i}" for i in range(n)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda u: admin(base, admin_token, "POST", "/v1/users",
                                      {"identifier": u, "email": f"{u}@bench.test", "name": u}),
                      users + ["warm"]))
    admin(base, admin_token, "POST", "/v1/user-groups",
          {"identifier": "storm", "name": "storm", "users": users + ["warm"]})
    admin(base, admin_token, "POST", "/v1/role-assignments",
          {"identifier": "storm_view", "role": "_account_viewer",
           "resource_group": "_all_resources_including_child_scopes",
           "principal": {"identifier": "storm", "type": "USER_GROUP"}})
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda u: admin(base, admin_token, "POST", f"/v1/users/{u}/tokens",
                                               {"identifier": "t", "name": "t"})["token"],
                               users + ["warm"]))
    print("\n".join(tokens))


if __name__ == "__main__":
    setup(sys.argv[1], sys.argv[2], int(sys.argv[3]))
