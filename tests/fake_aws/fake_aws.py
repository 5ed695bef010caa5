#!/usr/bin/env python3
"""Local fake AWS for Stratus tests: IMDSv2, EC2 (Query API), AWS PCS and the
Price List API on one loopback port, with real SigV4 checking, state, fault
injection and a control API under /_fake/.  Python 3 standard library only.

    fake_aws.py --port 0 --port-file FILE [--host 127.0.0.1] [--log FILE]
                [--catalog data/ec2-instance-types.csv] [--offerings data/ec2-prices-by-region.csv]
                [--on-launch CMD] [--on-terminate CMD]

Credentials accepted: access key AKIDSTRATUSFAKE, secret stratus-fake-secret,
plus the temporary ones handed out by IMDS (with their session token).
See README.md in this directory.
"""

import argparse
import copy
import datetime
import http.server
import ipaddress
import json
import logging
import os
import secrets
import signal
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse
from collections import deque
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sigv4  # noqa: E402
from fake_common import (DEFAULT_CATALOG, ApiError, HookRunner, iso_ms_z, iso_z,  # noqa: E402
                         DEFAULT_OFFERINGS, load_catalog, load_offerings, log, reencode_form, request_id, utcnow)
from fake_ec2 import Ec2Service  # noqa: E402
from fake_pcs_pricing import PcsService, PricingService  # noqa: E402

ACCESS_KEY_ID = "AKIDSTRATUSFAKE"
SECRET_ACCESS_KEY = "stratus-fake-secret"
PRICING_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")
JSON_TARGETS = {"AWSParallelComputingService": "pcs", "AWSPriceListService": "pricing"}
JSON_CONTENT_TYPES = {"pcs": "application/x-amz-json-1.0", "pricing": "application/x-amz-json-1.1"}
EC2_OPERATIONS = ("CreateFleet", "DescribeInstances", "TerminateInstances", "CreateTags",
                  "DescribeInstanceTypes", "DescribeSpotPriceHistory", "DescribeSubnets",
                  "DescribeInstanceTypeOfferings")
EC2_KNOWN_UNSUPPORTED = ("RunInstances", "DeleteFleets", "DescribeFleets",
                         "DescribeInstanceStatus", "DescribeLaunchTemplateVersions")

DEFAULT_CONFIG = {
    "pending_to_running_s": 0.0,
    "shutting_down_to_terminated_s": 0.0,
    "pcs_update_delay_s": 1.0,
    "pcs_max_instances_quota": None,
    "account_id": "123456789012",
    "default_image_id": "ami-0fa4e000000000001",
    "vpc_id": "vpc-0fa4e000000000001",
    "default_subnet_id": "subnet-0fa4e000000000001",
    "subnets": {},      # subnet id -> zone name (us-east-1a)
    "zone_ids": {},     # zone name -> zone ID where the fixed rule (fake_common.zone_id_of) will not do
    "aws_system_tags": True,
    "on_launch": None,
    "on_terminate": None,
    "max_skew_s": 300,
    "credentials": {ACCESS_KEY_ID: SECRET_ACCESS_KEY},
    "verify_reencoded_form": False,  # EC2 signatures over the form as botocore encodes it (moto)
}

DEFAULT_IMDS = {
    "instance_id": "i-0fa4e000000000001",
    "instance_type": "c7g.large",
    "availability_zone": "us-east-1a",
    "region": None,               # default: the zone minus its last letter
    "local_ipv4": "10.0.0.5",
    "local_hostname": None,       # default: ip-10-0-0-5.ec2.internal style
    "image_id": None,             # default: config default_image_id
    "account_id": None,           # default: config account_id
    "architecture": "arm64",
    "instance_life_cycle": "on-demand",
    "role_name": "stratus-fake-role",   # null: no instance profile (404)
    "credential_ttl_s": 21600,
    "credential_refresh_margin_s": 300,
    "spot_action": None,          # e.g. {"action": "terminate", "time": "2026-..Z"}
    "rebalance": None,            # e.g. {"noticeTime": "2026-..Z"}
    "require_token": True,        # False: IMDSv1 GETs without token are answered too
}

IMDS_401 = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD '
            'XHTML 1.0 Transitional//EN"\n\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional'
            '.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>'
            '\n  <title>%s</title>\n </head>\n <body>\n  <h1>%s</h1>\n </body>\n</html>\n')


class ControlError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------
class Faults:
    KINDS = ("throttle", "capacity", "internal", "delay", "malformed", "partial", "error")
    RESPONSE_KINDS = ("throttle", "internal", "error")

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.items = []
            self.next_id = 1

    def add(self, spec):
        if not isinstance(spec, dict):
            raise ControlError("a fault is a JSON object")
        kind = spec.get("kind")
        if kind not in self.KINDS:
            raise ControlError("fault kind must be one of %s" % ", ".join(self.KINDS))
        op = spec.get("operation")
        if not isinstance(op, str) or not op:
            raise ControlError("fault needs an operation (e.g. CreateFleet, or * for any)")
        known = {"operation", "kind", "count", "instance_types", "availability_zones",
                 "lifecycle", "delay_s", "retry_after_s", "launch_count", "error_code",
                 "message", "status", "fields", "service"}
        unknown = set(spec) - known
        if unknown:
            raise ControlError("unknown fault field(s): %s" % ", ".join(sorted(unknown)))
        if kind in ("capacity", "partial") and op not in ("CreateFleet", "*"):
            raise ControlError("%s faults apply to CreateFleet" % kind)
        if kind == "partial" and not isinstance(spec.get("launch_count"), int):
            raise ControlError("partial faults need an integer launch_count")
        if kind == "delay" and not isinstance(spec.get("delay_s"), (int, float)):
            raise ControlError("delay faults need delay_s")
        if kind == "error" and not spec.get("error_code"):
            raise ControlError("error faults need error_code (and usually status)")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count == 0 or count < -1:
            raise ControlError("count is a positive integer, or -1 for unlimited")
        fault = dict(spec)
        fault["count"] = count
        with self.lock:
            fault["id"] = self.next_id
            fault["used"] = 0
            self.next_id += 1
            self.items.append(fault)
        return dict(fault)

    @staticmethod
    def _applies(f, service, operation):
        if f.get("service") and f["service"] != service:
            return False
        if service == "imds" and f.get("service") != "imds":
            return False
        return f["operation"] in ("*", operation)

    def peek(self, service, operation, kinds):
        with self.lock:
            return [f for f in self.items
                    if f["kind"] in kinds and self._applies(f, service, operation)]

    def consume(self, fault):
        with self.lock:
            fault["used"] += 1
            if fault["count"] > 0:
                fault["count"] -= 1
                if fault["count"] == 0 and fault in self.items:
                    self.items.remove(fault)

    def take_request_faults(self, service, operation):
        """Faults acting on the whole call: (delays, response fault, malformed)."""
        with self.lock:
            matching = [f for f in self.items if self._applies(f, service, operation)]
        delays = [f for f in matching if f["kind"] == "delay"]
        response = next((f for f in matching if f["kind"] in self.RESPONSE_KINDS), None)
        malformed = next((f for f in matching if f["kind"] == "malformed"), None)
        if response is not None:
            malformed = None
        for f in delays + [x for x in (response, malformed) if x is not None]:
            self.consume(f)
        return delays, response, malformed

    def snapshot(self):
        with self.lock:
            return [dict(f) for f in self.items]


# ---------------------------------------------------------------------------
class FakeAws:
    def __init__(self, catalog_path=DEFAULT_CATALOG, config=None, offerings_path=DEFAULT_OFFERINGS):
        self.lock = threading.RLock()
        self.catalog = load_catalog(catalog_path)
        self.offerings = load_offerings(offerings_path)
        self.catalog_path = catalog_path
        self.startup_config = copy.deepcopy(DEFAULT_CONFIG)
        self.startup_config.update(config or {})
        self.hooks = HookRunner()
        self.faults = Faults()
        self.calls = deque(maxlen=20000)
        self.call_seq = 0
        self.ec2 = Ec2Service(self)
        self.pcs = PcsService(self)
        self.pricing = PricingService(self)
        self.reset(run_hooks=False)

    # ---- state ------------------------------------------------------------
    def reset(self, run_hooks=True):
        jobs = []
        with self.lock:
            if run_hooks:
                jobs = [("terminate", i.to_model()) for i in self.ec2.instances.values()
                        if i.reached_running and i.state in ("pending", "running")]
            on_terminate = self.config.get("on_terminate") if hasattr(self, "config") else None
            self.config = copy.deepcopy(self.startup_config)
            self.imds = copy.deepcopy(DEFAULT_IMDS)
            self.imds_tokens = {}
            self.imds_creds = None
            self.temp_creds = {}
            self.ec2.reset()
            self.pcs.reset()
            self.pricing.reset()
            self.faults.reset()
            self.calls.clear()
            self.hooks.reset()
        for _, inst in jobs:
            self.hooks.run("terminate", on_terminate, inst)

    def tick(self):
        with self.lock:
            now = utcnow()
            jobs = self.ec2.tick(now) + self.pcs.tick(now)
        self.run_hooks(jobs)

    def run_hooks(self, jobs):
        for event, inst in jobs:
            cmd = self.config.get("on_launch" if event == "launch" else "on_terminate")
            self.hooks.run(event, cmd, inst)

    def on_demand_price(self, itype, region):
        return self.pricing.on_demand_price(itype, region)

    def lookup_credentials(self, access_key):
        with self.lock:
            secret = self.config["credentials"].get(access_key)
            if secret is not None:
                return {"secret": secret, "token": None}
            temp = self.temp_creds.get(access_key)
            if temp is not None:
                return {"secret": temp["SecretAccessKey"], "token": temp["Token"],
                        "expires": temp["Expiration"]}
        return None

    def record_call(self, entry):
        with self.lock:
            self.call_seq += 1
            entry["seq"] = self.call_seq
            self.calls.append(entry)

    # ---- IMDS ---------------------------------------------------------------
    def imds_value(self, key):
        d = self.imds
        if key == "region":
            return d["region"] or d["availability_zone"][:-1]
        if key == "local_hostname":
            if d["local_hostname"]:
                return d["local_hostname"]
            region = self.imds_value("region")
            suffix = "ec2.internal" if region == "us-east-1" else region + ".compute.internal"
            return "ip-%s.%s" % (d["local_ipv4"].replace(".", "-"), suffix)
        if key == "image_id":
            return d["image_id"] or self.config["default_image_id"]
        if key == "account_id":
            return d["account_id"] or self.config["account_id"]
        return d[key]

    def current_role_credentials(self):
        now = utcnow()
        ttl = float(self.imds["credential_ttl_s"])
        margin = min(float(self.imds["credential_refresh_margin_s"]), ttl / 2)
        cur = self.imds_creds
        if cur is None or now >= cur["Expiration"] - datetime.timedelta(seconds=margin):
            cur = {
                "Code": "Success",
                "LastUpdated": now,
                "Type": "AWS-HMAC",
                "AccessKeyId": "ASIA" + secrets.token_hex(8).upper(),
                "SecretAccessKey": secrets.token_urlsafe(30)[:40],
                "Token": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(96),
                "Expiration": now + datetime.timedelta(seconds=ttl),
            }
            self.imds_creds = cur
            self.temp_creds[cur["AccessKeyId"]] = cur
        return cur

    def configure_imds(self, body):
        if not isinstance(body, dict):
            raise ControlError("JSON object expected")
        actions = {"expire_credentials_now", "rotate_credentials", "invalidate_tokens"}
        unknown = set(body) - set(DEFAULT_IMDS) - actions
        if unknown:
            raise ControlError("unknown imds key(s): %s" % ", ".join(sorted(unknown)))
        with self.lock:
            for k, v in body.items():
                if k in DEFAULT_IMDS:
                    self.imds[k] = v
            if body.get("expire_credentials_now") and self.imds_creds is not None:
                self.imds_creds["Expiration"] = utcnow()
                self.imds_creds = None
            if body.get("rotate_credentials"):
                self.imds_creds = None
            if body.get("invalidate_tokens"):
                self.imds_tokens = {}
            return self.imds_public()

    def imds_public(self):
        d = dict(self.imds)
        for k in ("region", "local_hostname", "image_id", "account_id"):
            d[k] = self.imds_value(k)
        cur = self.imds_creds
        d["current_credentials"] = None if cur is None else {
            "AccessKeyId": cur["AccessKeyId"], "SecretAccessKey": cur["SecretAccessKey"],
            "Token": cur["Token"], "Expiration": iso_z(cur["Expiration"])}
        d["tokens_issued"] = len(self.imds_tokens)
        return d

    def state(self):
        with self.lock:
            s = self.ec2.state()
            s["pcs_clusters"] = self.pcs.state()
            s["hooks"] = self.hooks.snapshot()
            s["imds"] = self.imds_public()
            s["faults"] = self.faults.snapshot()
            return s


# ---------------------------------------------------------------------------
def xml_error(code, message, rid):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
            '<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>'
            % (escape(code), escape(message), rid))


EC2_AUTH = {
    "missing": (401, "MissingAuthenticationToken", "The request must contain either a valid "
                "(registered) AWS access key ID or X.509 certificate."),
    "incomplete": (400, "IncompleteSignature", None),
    "unknown_key": (401, "AuthFailure", "AWS was not able to validate the provided access "
                    "credentials"),
    "invalid_token": (401, "AuthFailure", "AWS was not able to validate the provided access "
                      "credentials"),
    "bad_signature": (401, "AuthFailure", "AWS was not able to validate the provided access "
                      "credentials"),
    "bad_scope": (401, "AuthFailure", "AWS was not able to validate the provided access "
                  "credentials"),
    "skew_past": (400, "RequestExpired", "Request has expired."),
    "skew_future": (400, "RequestExpired", "Request has expired."),
    "expired_token": (400, "RequestExpired", "Request has expired."),
}
JSON_AUTH = {
    "missing": (403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
    "incomplete": (400, "IncompleteSignatureException", None),
    "unknown_key": (403, "UnrecognizedClientException", None),
    "invalid_token": (403, "UnrecognizedClientException", None),
    "bad_signature": (403, "InvalidSignatureException", None),
    "bad_scope": (403, "InvalidSignatureException", None),
    "skew_past": (403, "InvalidSignatureException", None),
    "skew_future": (403, "InvalidSignatureException", None),
    "expired_token": (403, "ExpiredTokenException", None),
}


def fault_error(service, fault):
    kind = fault["kind"]
    if kind == "throttle":
        if service == "ec2":
            return ApiError("RequestLimitExceeded", fault.get("message") or
                            "Request limit exceeded.", fault.get("status", 503))
        retry = fault.get("retry_after_s", 1)
        if service == "pcs":
            return ApiError("ThrottlingException", fault.get("message") or "Rate exceeded",
                            fault.get("status", 429), {"retryAfterSeconds": int(retry)},
                            {"Retry-After": str(int(retry))})
        return ApiError("ThrottlingException", fault.get("message") or "Rate exceeded",
                        fault.get("status", 429))
    if kind == "internal":
        code = {"ec2": "InternalError", "pcs": "InternalServerException",
                "pricing": "InternalErrorException", "imds": "InternalError"}[service]
        message = {"ec2": "An internal error has occurred"}.get(service, "Internal server error")
        return ApiError(code, fault.get("message") or message, fault.get("status", 500))
    return ApiError(fault["error_code"], fault.get("message") or "Injected by fake_aws",
                    int(fault.get("status", 400)), fault.get("fields") or {})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_aws"
    sys_version = ""

    def version_string(self):
        return self.server_version

    @property
    def fake(self):
        return self.server.fake

    def log_message(self, fmt, *args):
        log.info("%s %s", self.address_string(), fmt % args)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

    # ---- plumbing -----------------------------------------------------------
    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, content_type, headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj):
        self._send(status, json.dumps(obj, indent=1, default=str) + "\n", "application/json")

    def _dispatch(self):
        try:
            body = self._read_body()
            path = urllib.parse.urlsplit(self.path).path
            if path.startswith("/_fake/") or path == "/_fake":
                self._control(path, body)
            elif path.startswith("/latest/") or path == "/latest":
                self._imds(path)
            else:
                self._aws(body)
        except Exception:  # answer instead of dropping the connection
            log.error("internal error:\n%s", traceback.format_exc())
            try:
                self._send(500, "fake_aws internal error\n" + traceback.format_exc(),
                           "text/plain")
            except OSError:
                pass

    # ---- control API ----------------------------------------------------------
    def _control(self, path, body):
        fake = self.fake
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            return self._json(400, {"error": "invalid JSON: %s" % exc})
        route = (self.command, path.rstrip("/"))
        try:
            if route == ("GET", "/_fake/health"):
                return self._json(200, {"ok": True, "port": self.server.server_address[1]})
            if route == ("POST", "/_fake/reset"):
                fake.reset()
                return self._json(200, {"ok": True})
            if route == ("POST", "/_fake/faults"):
                items = data.get("faults", [data]) if isinstance(data, dict) else data
                if not isinstance(items, list):
                    raise ControlError("fault object or {\"faults\": [...]} expected")
                return self._json(200, {"faults": [fake.faults.add(f) for f in items]})
            if route == ("GET", "/_fake/faults"):
                return self._json(200, {"faults": fake.faults.snapshot()})
            if route == ("DELETE", "/_fake/faults"):
                fake.faults.reset()
                return self._json(200, {"ok": True})
            if route == ("GET", "/_fake/calls"):
                return self._json(200, {"calls": self._calls(query)})
            if route == ("DELETE", "/_fake/calls"):
                with fake.lock:
                    fake.calls.clear()
                return self._json(200, {"ok": True})
            if route == ("GET", "/_fake/state"):
                fake.tick()
                return self._json(200, fake.state())
            if route == ("POST", "/_fake/node-groups"):
                if not isinstance(data, dict):
                    raise ControlError("JSON object expected")
                with fake.lock:
                    try:
                        return self._json(200, fake.pcs.seed(data))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise ControlError(str(exc))
            if route == ("POST", "/_fake/spot-prices"):
                items = data.get("prices", []) if isinstance(data, dict) else data
                with fake.lock:
                    try:
                        return self._json(200, {"added": fake.ec2.seed_spot_prices(items)})
                    except (ValueError, TypeError) as exc:
                        raise ControlError(str(exc))
            if route == ("POST", "/_fake/prices"):
                items = data.get("prices", []) if isinstance(data, dict) else data
                with fake.lock:
                    try:
                        return self._json(200, {"added": fake.pricing.seed(items)})
                    except (ValueError, TypeError, ArithmeticError) as exc:
                        raise ControlError(str(exc))
            if route == ("POST", "/_fake/imds"):
                return self._json(200, fake.configure_imds(data))
            if route == ("GET", "/_fake/imds"):
                with fake.lock:
                    return self._json(200, fake.imds_public())
            if route == ("POST", "/_fake/config"):
                return self._json(200, self._set_config(data))
            if route == ("GET", "/_fake/config"):
                with fake.lock:
                    return self._json(200, fake.config)
            if route == ("POST", "/_fake/instances/state"):
                return self._json(200, self._instance_state(data))
        except ControlError as exc:
            return self._json(exc.status, {"error": str(exc)})
        return self._json(404, {"error": "no control endpoint %s %s" % route})

    def _calls(self, query):
        with self.fake.lock:
            calls = list(self.fake.calls)
        for key in ("service", "operation"):
            if key in query:
                calls = [c for c in calls if c.get(key) == query[key][0]]
        if "since" in query:
            since = int(query["since"][0])
            calls = [c for c in calls if c["seq"] > since]
        return calls

    def _set_config(self, data):
        if not isinstance(data, dict):
            raise ControlError("JSON object expected")
        unknown = set(data) - set(DEFAULT_CONFIG)
        if unknown:
            raise ControlError("unknown config key(s): %s (known: %s)" % (
                ", ".join(sorted(unknown)), ", ".join(sorted(DEFAULT_CONFIG))))
        with self.fake.lock:
            for k, v in data.items():
                if k in ("subnets", "zone_ids", "credentials") and not isinstance(v, dict):
                    raise ControlError("%s is a JSON object" % k)
                self.fake.config[k] = v
            return self.fake.config

    def _instance_state(self, data):
        fake = self.fake
        ids = data.get("instance_ids") if isinstance(data, dict) else None
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(ids, list) or state not in ("running", "shutting-down", "terminated",
                                                      "stopping", "stopped"):
            raise ControlError("{\"instance_ids\": [...], \"state\": running|shutting-down|"
                               "terminated|stopping|stopped} expected")
        with fake.lock:
            missing = [i for i in ids if i not in fake.ec2.instances]
            if missing:
                raise ControlError("unknown instance(s): %s" % ", ".join(missing), 404)
            now = utcnow()
            delay = datetime.timedelta(seconds=float(fake.config["shutting_down_to_terminated_s"]))
            for i in ids:
                fake.ec2.set_state(fake.ec2.instances[i], state, now, delay)
            out = [fake.ec2.instances[i].to_state() for i in ids]
        fake.tick()
        return {"instances": out}

    # ---- IMDS -----------------------------------------------------------------
    def _imds(self, path):
        fake = self.fake
        started = time.time()
        rel = path[len("/latest/"):] if path.startswith("/latest/") else ""
        op = "token" if rel == "api/token" else rel
        status = self._imds_inner(path, rel, op)
        fake.record_call({"time": iso_ms_z(utcnow()), "service": "imds", "operation": op,
                          "method": self.command, "status": status,
                          "duration_ms": int((time.time() - started) * 1000)})

    def _imds_text(self, status, text, headers=None):
        self._send(status, text, "text/plain", headers)
        return status

    def _imds_page(self, status, title):
        self._send(status, IMDS_401 % (title, title), "text/html")
        return status

    def _imds_inner(self, path, rel, op):
        fake = self.fake
        if self.command == "PUT" and self.headers.get("X-Forwarded-For"):
            return self._imds_page(403, "403 - Forbidden")  # as IMDS does for token requests
        delays, response, malformed = fake.faults.take_request_faults("imds", op)
        for f in delays:
            time.sleep(float(f["delay_s"]))
        if response is not None:
            err = fault_error("imds", response)
            return self._imds_text(err.status, err.message + "\n")
        if rel == "api/token":
            if self.command != "PUT":
                return self._imds_page(405, "405 - Method Not Allowed")
            raw = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                ttl = int(raw)
            except (TypeError, ValueError):
                return self._imds_page(400, "400 - Bad Request")
            if not 1 <= ttl <= 21600:
                return self._imds_page(400, "400 - Bad Request")
            token = secrets.token_urlsafe(42)
            with fake.lock:
                fake.imds_tokens[token] = time.time() + ttl
            return self._imds_text(200, token, {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})
        if self.command not in ("GET", "HEAD"):
            return self._imds_page(405, "405 - Method Not Allowed")
        token = self.headers.get("X-aws-ec2-metadata-token")
        with fake.lock:
            expiry = fake.imds_tokens.get(token) if token else None
            valid = expiry is not None and time.time() < expiry
            if token is not None and not valid:
                return self._imds_page(401, "401 - Unauthorized")
            if token is None and fake.imds["require_token"]:
                return self._imds_page(401, "401 - Unauthorized")
            body = self._imds_lookup(rel)
        if body is None:
            return self._imds_page(404, "404 - Not Found")
        if malformed is not None:
            body = body[: len(body) // 2]
        return self._imds_text(200, body)

    def _imds_lookup(self, rel):
        fake = self.fake
        v = fake.imds_value
        role = fake.imds["role_name"]
        rel = rel.rstrip("/") if rel.endswith("/") and rel.count("/") > 0 else rel
        flat = {
            "meta-data/instance-id": v("instance_id"),
            "meta-data/instance-type": v("instance_type"),
            "meta-data/ami-id": v("image_id"),
            "meta-data/placement/availability-zone": v("availability_zone"),
            "meta-data/placement/region": v("region"),
            "meta-data/local-ipv4": v("local_ipv4"),
            "meta-data/local-hostname": v("local_hostname"),
            "meta-data/hostname": v("local_hostname"),
            "meta-data/instance-life-cycle": v("instance_life_cycle"),
        }
        if rel in flat:
            return flat[rel]
        listings = {
            "": ["dynamic", "meta-data"],
            "meta-data": ["ami-id", "events/", "hostname", "iam/", "instance-id",
                          "instance-life-cycle", "instance-type", "local-hostname", "local-ipv4",
                          "placement/"] + (["spot/"] if fake.imds["spot_action"] else []),
            "meta-data/placement": ["availability-zone", "region"],
            "meta-data/iam": ["info", "security-credentials/"] if role else None,
            "meta-data/iam/security-credentials": [role] if role else None,
            "meta-data/spot": ["instance-action"] if fake.imds["spot_action"] else None,
            "meta-data/events": ["recommendations/"],
            "meta-data/events/recommendations": ["rebalance"] if fake.imds["rebalance"] else [],
            "dynamic": ["instance-identity/"],
            "dynamic/instance-identity": ["document"],
        }
        if rel in listings:
            return None if listings[rel] is None else "\n".join(listings[rel])
        if rel == "dynamic/instance-identity/document":
            return json.dumps({
                "accountId": v("account_id"), "architecture": v("architecture"),
                "availabilityZone": v("availability_zone"), "billingProducts": None,
                "devpayProductCodes": None, "marketplaceProductCodes": None,
                "imageId": v("image_id"), "instanceId": v("instance_id"),
                "instanceType": v("instance_type"), "kernelId": None,
                "pendingTime": "2026-11-28T06:00:00Z", "privateIp": v("local_ipv4"),
                "ramdiskId": None, "region": v("region"), "version": "2017-09-30"}, indent=2)
        if role and rel == "meta-data/iam/info":
            return json.dumps({"Code": "Success", "LastUpdated": iso_z(utcnow()),
                               "InstanceProfileArn": "arn:aws:iam::%s:instance-profile/%s"
                                                     % (v("account_id"), role),
                               "InstanceProfileId": "AIPAFAKE0000000000001"}, indent=2)
        if role and rel == "meta-data/iam/security-credentials/" + role:
            cur = fake.current_role_credentials()
            return json.dumps({"Code": cur["Code"], "LastUpdated": iso_z(cur["LastUpdated"]),
                               "Type": cur["Type"], "AccessKeyId": cur["AccessKeyId"],
                               "SecretAccessKey": cur["SecretAccessKey"], "Token": cur["Token"],
                               "Expiration": iso_z(cur["Expiration"])}, indent=2)
        if rel == "meta-data/spot/instance-action" and fake.imds["spot_action"]:
            return json.dumps(fake.imds["spot_action"])
        if rel == "meta-data/events/recommendations/rebalance" and fake.imds["rebalance"]:
            return json.dumps(fake.imds["rebalance"])
        return None

    # ---- AWS APIs ---------------------------------------------------------------
    def _aws(self, body):
        fake = self.fake
        started = time.time()
        rid = request_id()
        target = self.headers.get("X-Amz-Target")
        raw_path, _, raw_query = self.path.partition("?")
        entry = {"time": iso_ms_z(utcnow()), "request_id": rid, "method": self.command,
                 "path": self.path, "signature_ok": False, "access_key_id": None,
                 "session_token": bool(self.headers.get("X-Amz-Security-Token")),
                 "region": None, "fault": None}
        if target:
            prefix, _, operation = target.partition(".")
            service = JSON_TARGETS.get(prefix, "unknown")
            entry.update(service=service, operation=operation, protocol="json")
            try:
                params = json.loads(body.decode("utf-8")) if body.strip() else {}
            except (ValueError, UnicodeDecodeError):
                params = {"_unparsable_body": body.decode("utf-8", "replace")}
        else:
            service = "ec2"
            entry.update(service=service, protocol="query")
            ctype = (self.headers.get("Content-Type") or "").lower()
            params = {}
            if raw_query:
                params.update(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
            if body and "application/x-www-form-urlencoded" in ctype:
                params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                     keep_blank_values=True))
            operation = params.get("Action")
            entry["operation"] = operation
        entry["params"] = params
        status, payload, ctype, headers = self._aws_inner(service, operation, params, body, rid,
                                                          entry)
        entry["status"] = status
        entry["duration_ms"] = int((time.time() - started) * 1000)
        fake.record_call(entry)
        log.info("%s %s -> %s %s", service, operation, status, entry.get("error_code") or "")
        self._send(status, payload, ctype, headers)

    def _error(self, service, err, rid, entry):
        entry["error_code"] = err.code
        entry["error_message"] = err.message
        if service == "ec2":
            return err.status, xml_error(err.code, err.message, rid), "text/xml;charset=UTF-8", \
                dict(err.headers)
        body = {"__type": err.code}
        body["Message" if service == "pricing" and err.code not in (
            "UnrecognizedClientException", "InvalidSignatureException",
            "MissingAuthenticationTokenException", "IncompleteSignatureException",
            "ExpiredTokenException") else "message"] = err.message
        body.update(err.fields)
        headers = {"x-amzn-RequestId": rid, "x-amzn-ErrorType": err.code}
        headers.update(err.headers)
        return err.status, json.dumps(body), JSON_CONTENT_TYPES.get(
            service, "application/x-amz-json-1.0"), headers

    def _aws_inner(self, service, operation, params, body, rid, entry):
        fake = self.fake
        if service == "unknown":
            return self._error("pcs", ApiError("UnknownOperationException", "Unknown target %s"
                                               % self.headers.get("X-Amz-Target")), rid, entry)
        header_list = list(self.headers.items())
        try:
            with fake.lock:
                skew = int(fake.config["max_skew_s"])
                reencode = service == "ec2" and fake.config["verify_reencoded_form"]
            auth = sigv4.verify_request(
                self.command, self.path, header_list, reencode_form(body) if reencode else body,
                fake.lookup_credentials,
                service, PRICING_REGIONS if service == "pricing" else None, max_skew_s=skew)
        except sigv4.AuthError as exc:
            entry["access_key_id"] = exc.access_key
            entry["auth_error"] = exc.kind
            entry["auth_detail"] = exc.message
            if hasattr(exc, "canonical_request"):
                entry["server_canonical_request"] = exc.canonical_request
                entry["server_string_to_sign"] = exc.string_to_sign
                log.warning("signature mismatch for %s; server canonical request:\n%s",
                            exc.access_key, exc.canonical_request)
            table = EC2_AUTH if service == "ec2" else JSON_AUTH
            status, code, message = table[exc.kind]
            return self._error(service, ApiError(code, message or exc.message, status), rid, entry)
        entry["signature_ok"] = True
        entry["access_key_id"] = auth.access_key
        entry["region"] = auth.region
        ctx = {"region": auth.region, "request_id": rid}
        try:
            if service == "ec2":
                operation = params.pop("Action", None)
                version = params.pop("Version", None)
                entry["params"] = dict(params, Action=operation, Version=version)
                if not operation:
                    raise ApiError("MissingAction", "The request must contain the parameter "
                                   "Action")
                if operation not in EC2_OPERATIONS:
                    if operation in EC2_KNOWN_UNSUPPORTED:
                        raise ApiError("UnsupportedOperation", "The fake does not implement %s."
                                       % operation)
                    raise ApiError("InvalidAction", "The action %s is not valid for this web "
                                   "service." % operation)
                if not version:
                    raise ApiError("MissingParameter", "The request must contain the parameter "
                                   "Version")
                if version != "2016-11-15":
                    raise ApiError("InvalidParameterValue", "The fake only speaks "
                                   "Version=2016-11-15 (got %s)." % version)
            else:
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if ctype not in ("application/x-amz-json-1.0", "application/x-amz-json-1.1"):
                    raise ApiError("SerializationException", "Unsupported Content-Type '%s': "
                                   "expected %s" % (ctype, JSON_CONTENT_TYPES[service]))
                if not isinstance(params, dict) or "_unparsable_body" in params:
                    raise ApiError("SerializationException", "Request body is not a JSON object")
            delays, response, malformed = fake.faults.take_request_faults(service, operation)
            for f in delays:
                time.sleep(float(f["delay_s"]))
                entry["fault"] = "delay"
            if response is not None:
                entry["fault"] = response["kind"]
                raise fault_error(service, response)
            fake.tick()
            with fake.lock:
                if service == "ec2":
                    text = fake.ec2.handle(operation, params, ctx)
                    ctype = "text/xml;charset=UTF-8"
                    headers = {}
                else:
                    svc = fake.pcs if service == "pcs" else fake.pricing
                    text = json.dumps(svc.handle(operation, params, ctx))
                    ctype = JSON_CONTENT_TYPES[service]
                    headers = {"x-amzn-RequestId": rid}
            fake.tick()  # start hooks / zero-delay transitions right away
            if "input" in ctx:
                entry["input"] = json.loads(json.dumps(ctx["input"], default=str))
            if "note" in ctx:
                entry["note"] = ctx["note"]
            if malformed is not None:
                entry["fault"] = "malformed"
                text = text[: len(text) // 2]
            return 200, text, ctype, headers
        except ApiError as err:
            if "input" in ctx:
                entry["input"] = json.loads(json.dumps(ctx["input"], default=str))
            return self._error(service, err, rid, entry)


class FakeServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, fake):
        host = address[0]
        if ":" in host:
            self.address_family = __import__("socket").AF_INET6
        super().__init__(address, Handler)
        self.fake = fake


def start_server(fake, host="127.0.0.1", port=0):
    """Start in background threads (for tests in the same process).
    Returns (server, stop_function)."""
    server = FakeServer((host, port), fake)
    stop = threading.Event()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                     daemon=True).start()

    def ticker():
        while not stop.wait(0.05):
            try:
                fake.tick()
            except Exception:
                log.error("tick failed:\n%s", traceback.format_exc())
    threading.Thread(target=ticker, daemon=True).start()

    def shutdown():
        stop.set()
        server.shutdown()
        server.server_close()
    return server, shutdown


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port, 0 = any free port")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    ap.add_argument("--log", help="log file (default: warnings on stderr)")
    ap.add_argument("--catalog", default=DEFAULT_CATALOG, help="instance type CSV")
    ap.add_argument("--offerings", default=DEFAULT_OFFERINGS,
                    help="zones per type and region (CSV); CreateFleet refuses a type in a zone it lacks")
    ap.add_argument("--on-launch", help="command run for each instance reaching running")
    ap.add_argument("--on-terminate", help="command run for each running instance terminated")
    ap.add_argument("--pending-to-running-s", type=float, default=0.0)
    ap.add_argument("--pcs-update-delay-s", type=float, default=1.0)
    args = ap.parse_args(argv)

    if args.log:
        logging.basicConfig(filename=args.log, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(message)s")
    else:
        logging.basicConfig(level=logging.WARNING, format="fake_aws: %(message)s")
    try:
        loopback = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        ap.error("refusing to bind %s: the fake listens on loopback addresses only" % args.host)

    fake = FakeAws(args.catalog, {"on_launch": args.on_launch, "on_terminate": args.on_terminate,
                                  "pending_to_running_s": args.pending_to_running_s,
                                  "pcs_update_delay_s": args.pcs_update_delay_s}, args.offerings)
    server, shutdown = start_server(fake, args.host, args.port)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    log.info("listening on %s:%d", args.host, port)

    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping.wait(0.5):
        pass
    log.info("stopping")
    shutdown()
    # Stop what --on-launch started for instances still alive.
    jobs = [("terminate", i.to_model()) for i in fake.ec2.instances.values()
            if i.reached_running and i.state in ("pending", "running")]
    fake.run_hooks(jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
